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
  }

  function watchSearchResults() {
    var result = document.querySelector(".md-search-result");
    if (!result || result.busdocsWatched) return;
    result.busdocsWatched = true;
    new MutationObserver(updateNoResults).observe(result, { childList: true, subtree: true, characterData: true });
    var input = document.querySelector(".md-search__input");
    if (input) input.addEventListener("input", updateNoResults);
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
})();
