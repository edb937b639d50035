/* busdocs: Material's search worker, reading queries the way visitors type them.
 *
 * The page starts this script instead of Material's worker (overrides/main.html passes the
 * worker's own path as ?worker=…); it loads Material's worker unchanged, then adjusts how lunr
 * reads a query. The index, the scoring and the result list stay Material's.
 *
 * Material 9.8 appends "*" to every word typed, which turns lunr's query pipeline off, so a
 * stemmer in `plugins.search.pipeline` would stem the index but never the query ("create*" no
 * longer finds the indexed "creat"). Instead, each word typed is cut to what it shares with its
 * stem, and the index keeps whole words:
 *
 *   - word forms: "bouncing" → "bounc*" finds bounces, bounced; "money" → "mone*" finds money;
 *   - stop words ("how", "do", "i", "the") are dropped: "i*" would match every word beginning with i;
 *     one that data/search.yml lists as a visitor's word ("where", "which") is looked up whole in the
 *     keywords field only, where the index (built without a stop-word filter) holds it;
 *   - forms of the word typed (same stem) weigh fully, other words that only begin like it 0.3:
 *     "pass" ranks passes above passenger and password;
 *   - one typo in words of 5 letters or more: a word that matches nothing in the index is also
 *     looked up at edit distance 1 ("recipt" → receipt, "pasword" → password).
 *
 * Nothing is fetched but Material's worker, from this site. Works in a real worker and in the
 * iframe stand-in the offline bundle uses from file:// (whose importScripts returns a promise).
 */
(function () {
  "use strict";

  var TYPO_MIN_LENGTH = 5;
  var STEM_MIN_LENGTH = 3;
  var PREFIX_WEIGHT = 0.3;   /* of a word that only begins like the one typed */
  var KEYWORDS = "keywords"; /* the hidden field of visitors' words (busdocs.content.search) */

  var script = typeof document !== "undefined" && document.currentScript
    ? document.currentScript.src
    : self.location.href;
  var here = new URL(script);
  var worker = (here.searchParams.get("worker") || "").split("?")[0];
  if (!/^[\w./-]+\.js$/.test(worker) || worker.indexOf("..") !== -1)
    throw new Error("busdocs-search.js: expected ?worker=<path of Material's search worker>");

  function commonPrefix(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return a.slice(0, n);
  }

  function patch(lunr) {
    var PROHIBITED = lunr.Query.presence.PROHIBITED;
    var REQUIRED = lunr.Query.presence.REQUIRED;

    var keywords = false;  /* set once the index is built: does it have the keywords field? */

    function isStopWord(word) {
      return !lunr.stopWordFilter(new lunr.Token(word));
    }

    /* "bouncing*" → "bounc*"; the original word is kept for the typo pass. */
    function readWords(query) {
      var kept = [];
      var words = 0;
      query.clauses.forEach(function (clause) {
        var match = /^([^*~^:]+)\*$/.exec(clause.term);
        if (!match || clause.presence === PROHIBITED || clause.editDistance) {
          kept.push(clause);
          return;
        }
        var word = match[1];
        if (isStopWord(word) && clause.presence !== REQUIRED) {
          /* Stop words count only where data/search.yml put them: in the hidden keywords of
             a section ("where" → tracking, "when" → arrival times). */
          if (!keywords || word.length < 3) return;
          clause.fields = [KEYWORDS];
          clause.term = word;
          clause.wildcard = lunr.Query.wildcard.NONE;
          clause.usePipeline = false;
          kept.push(clause);
          return;
        }
        var prefix = commonPrefix(word, lunr.stemmer(new lunr.Token(word)).toString());
        /* "write" stems to itself, and "write*" would miss writing: cut a final e. */
        if (prefix === word && /e$/.test(word) && word.length > STEM_MIN_LENGTH) prefix = word.slice(0, -1);
        if (prefix.length >= STEM_MIN_LENGTH && prefix.length < word.length)
          clause.term = prefix + "*";
        clause.busdocsWord = word;
        kept.push(clause);
        words++;
      });
      if (words) query.clauses = kept;  /* only stop words typed: search them as typed */
    }

    var parse = lunr.QueryParser.prototype.parse;
    lunr.QueryParser.prototype.parse = function () {
      var query = parse.apply(this, arguments);
      readWords(query);
      return query;
    };

    /* Forms of the word typed count fully, other words that merely begin like it a little
       ("pass" finds passes and passed first, passenger and password after); a word that
       matches nothing in the index is also looked up with one typo. */
    var runQuery = lunr.Index.prototype.query;
    lunr.Index.prototype.query = function (fn) {
      var index = this;
      keywords = index.fields.indexOf(KEYWORDS) !== -1;
      return runQuery.call(this, function (query) {
        fn.call(query, query);
        query.clauses.slice().forEach(function (clause) {
          var word = clause.busdocsWord;
          if (!word || clause.presence === REQUIRED) return;
          var known = index.tokenSet.intersect(lunr.TokenSet.fromString(clause.term)).toArray();
          if (!known.length) {
            if (word.length >= TYPO_MIN_LENGTH)
              query.term(word, { editDistance: 1, usePipeline: false, fields: clause.fields });
            return;
          }
          var stem = lunr.stemmer(new lunr.Token(word)).toString();
          clause.boost = (clause.boost || 1) * PREFIX_WEIGHT;
          known.forEach(function (term) {
            if (lunr.stemmer(new lunr.Token(term)).toString() === stem)
              query.term(term, { usePipeline: false, fields: clause.fields, boost: 1 - PREFIX_WEIGHT });
          });
        });
      });
    };
  }

  var loading = importScripts(new URL(worker, here).href);
  if (loading && typeof loading.then === "function") {
    loading.then(function () { patch(self.lunr); });
  } else {
    patch(self.lunr);
  }
})();
