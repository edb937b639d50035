/* busdocs: small behaviours Material lacks. No dependencies, nothing fetched. */
(function () {
  "use strict";

  /* Material's search panel is a dialog without a name; screen readers announce "Search". */
  function nameSearchDialog() {
    document.querySelectorAll('.md-search[role="dialog"]').forEach(function (el) {
      el.setAttribute("aria-label", "Search");
    });
  }

  /* The home page's "Search the help center" button opens the search panel; put the cursor in
     the box at once, in the same tap, so phones show their keyboard. */
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest && event.target.closest(".busdocs-search-trigger");
    if (!trigger) return;
    var toggle = document.getElementById("__search");
    var input = document.querySelector(".md-search__input");
    if (toggle && input) {
      event.preventDefault();
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
      input.focus();
    }
  });

  /* Keyboard users: Enter or Space on the button does the same as a tap. */
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.classList &&
        event.target.classList.contains("busdocs-search-trigger")) {
      event.preventDefault();
      event.target.click();
    }
  });

  /* No dead ends: when the search box finds nothing, show sections, popular tasks and contact
     options (the page's <template id="busdocs-no-results">, see overrides/main.html). */
  function updateNoResults() {
    var result = document.querySelector(".md-search-result");
    var input = document.querySelector(".md-search__input");
    var template = document.getElementById("busdocs-no-results");
    if (!result || !input || !template) return;
    var panel = result.querySelector(".busdocs-no-results");
    if (!panel) {
      panel = template.content.firstElementChild.cloneNode(true);
      panel.hidden = true;
      result.appendChild(panel);
    }
    var empty = !result.querySelector(".md-search-result__item");
    var meta = result.querySelector(".md-search-result__meta");
    var answered = meta && !/initializ/i.test(meta.textContent);
    panel.hidden = !(input.value.trim() && empty && answered);
    if (answered && input.value.trim() && template.hasAttribute("data-beacons")) noteAnswer(input.value, empty);
  }

  /* Reader feedback without third parties (issue 24): an answer, or a search that found nothing or
     was left without a click, becomes a request for a tiny object of this site (feedback.gif,
     search-miss.gif) that only its own access logs record. No cookie, no storage, no other origin. */
  var root = (function () {
    try { return new URL(JSON.parse(document.getElementById("__config").textContent).base + "/", location.href).href; }
    catch (e) { return null; }
  })();

  function beacon(name, params) {
    if (!root) return;
    var url = root + name + "?" + Object.keys(params).map(function (k) {
      return k + "=" + encodeURIComponent(params[k]);
    }).join("&");
    if (window.fetch) fetch(url, { keepalive: true, credentials: "omit", cache: "no-store" }).catch(function () {});
    else new Image().src = url;
  }

  /* E-mail addresses, phone numbers and long digit runs never leave the browser. */
  function normalise(query) {
    return query.toLowerCase().replace(/\S+@\S+/g, " ").replace(/\+?\d[\d\s().-]{6,}\d/g, " ")
      .replace(/\d{5,}/g, " ").replace(/\s+/g, " ").trim().slice(0, 100).trim();
  }

  var missed = {}, last = null, missTimer = null;
  function sendMiss(query) {
    var q = normalise(query);
    if (q && !missed[q]) { missed[q] = true; beacon("search-miss.gif", { q: q }); }
  }
  /* The search closed or the page left: the last query found nothing, or nobody opened a result. */
  function settleSearch() {
    clearTimeout(missTimer);
    if (last && (last.empty || !last.clicked)) sendMiss(last.query);
    last = null;
  }
  /* Debounced: a query that finds nothing is sent once typing has paused for 1.5 s. */
  function noteAnswer(query, empty) {
    if (last && last.query === query && last.empty === empty) return;
    last = { query: query, empty: empty, clicked: false };
    clearTimeout(missTimer);
    if (empty) missTimer = setTimeout(function () { if (last && last.query === query) sendMiss(query); }, 1500);
  }
  document.addEventListener("click", function (event) {
    if (last && event.target.closest && event.target.closest(".md-search-result__link")) last.clicked = true;
  }, true);
  addEventListener("pagehide", settleSearch);

  var pendingNo = null;
  function setupFeedback() {
    if (pendingNo) pendingNo();  /* a "No" without a reason on the page before (instant navigation) */
    var form = document.forms.feedback;
    if (!form || form.busdocsReady || !form.classList.contains("busdocs-feedback")) return;
    form.busdocsReady = true;
    var page = location.pathname, sent = false;
    function send(value, reason) {
      pendingNo = null;
      if (!sent) { sent = true; beacon("feedback.gif", { p: page, v: value, r: reason || "" }); }
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var icons = form.querySelectorAll(".md-feedback__icon");
    Array.prototype.forEach.call(icons, function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var value = button.getAttribute("data-md-value");
        Array.prototype.forEach.call(icons, function (b) { b.disabled = true; b.setAttribute("aria-pressed", b === button); });
        form.setAttribute("data-answered", value);
        var note = form.querySelector('.md-feedback__note [data-md-value="' + value + '"]');
        note.hidden = false;
        if (value === "1") send("1");
        else { pendingNo = function () { send("0"); }; note.querySelector("button").focus(); }
      });
    });
    Array.prototype.forEach.call(form.querySelectorAll(".busdocs-feedback__reason"), function (button) {
      button.addEventListener("click", function () {
        send("0", button.getAttribute("data-reason"));
        var thanks = form.querySelector(".busdocs-feedback__thanks");
        form.querySelector(".busdocs-feedback__reasons").hidden = true;
        thanks.hidden = false;
        thanks.focus();
      });
    });
    form.hidden = false;
  }
  addEventListener("pagehide", function () { if (pendingNo) pendingNo(); });

  function watchSearchResults() {
    var result = document.querySelector(".md-search-result");
    if (!result || result.busdocsWatched) return;
    result.busdocsWatched = true;
    new MutationObserver(updateNoResults).observe(result, { childList: true, subtree: true, characterData: true });
    var input = document.querySelector(".md-search__input");
    if (input) input.addEventListener("input", updateNoResults);
    var toggle = document.getElementById("__search");
    if (toggle) toggle.addEventListener("change", function () { if (!toggle.checked) settleSearch(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchSearchResults);
  } else {
    watchSearchResults();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", nameSearchDialog);
  } else {
    nameSearchDialog();
  }

  /* Material swaps the page in place (navigation.instant): set the widget up on every page. */
  if (window.document$) window.document$.subscribe(setupFeedback);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupFeedback);
  else setupFeedback();
})();
