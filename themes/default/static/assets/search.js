/* scrollback search page: finds published messages in the static index beside the page.
 *
 * The index (docs/search.md) is plain files: index.json lists the chats and how many segments
 * each has; a segment's terms are spread over bucket files (<slug>/sS/bK.json, term -> flat
 * list of block, index pairs) by the first characters of the term; the messages themselves are
 * in docs blocks (<slug>/docs-B.json, [ts, anchor, page, author, text]). A query fetches, per
 * segment, the one bucket of each of its words, intersects the postings, then fetches the docs
 * blocks of the results it shows. A missing bucket (404) is an empty one.
 *
 * Words are split and folded exactly as the build does (src/build/outputs/search/terms.rs):
 * letters and digits of any script, lowercased, accents removed, final sigma folded; CJK
 * ideographs and kana one word each. The last word of a query, while it is being typed and has
 * three characters or more, matches every term it begins.
 *
 * Everything from the index is set as text (textContent), never as HTML. */
(function () {
  "use strict";

  var form = document.querySelector("form.search-form");
  var results = document.querySelector("ol.search-results");
  var status = document.querySelector(".search-status");
  if (!form || !results || !status || !window.fetch || !window.URL) return;

  var input = form.querySelector("input[name=q]");
  var data = form.dataset;
  var indexUrl = new URL(data.index || "index.json", location.href);
  var rootUrl = new URL(data.root || "../", location.href);
  var language = data.language || document.documentElement.lang || "en";
  var strings = readStrings(data.strings);
  var SHOWN = 50;          // results listed at most
  var MAX_TERM_CHARS = 40; // as the build cuts terms
  var FORMAT = 1;
  var IDEOGRAPH = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2ffff}]/u;
  var WORD_CHAR = /[\p{Alphabetic}\p{N}]/u;
  var files = {};          // URL -> promise of the parsed file (null when absent)
  var generation = 0;      // the latest query; older answers are dropped
  var timer = null;

  function readStrings(json) {
    try {
      var table = JSON.parse(json || "null");
      if (table && table.strings) return table.strings;
    } catch (e) { /* fall through */ }
    return {};
  }

  function word(name, fallback) {
    var s = strings[name];
    return typeof s === "string" ? s : fallback;
  }

  var plurals = null;
  try { plurals = new Intl.PluralRules(language); } catch (e) { plurals = null; }

  function counted(name, n) {
    var forms = strings[name] || { one: "{n} message found", other: "{n} messages found" };
    var form = plurals ? plurals.select(n) : (n === 1 ? "one" : "other");
    var text = forms[form] || forms.other || String(n);
    return text.split("{n}").join(String(n));
  }

  /* Lowercase, no accents, final sigma folded, composed again: as terms.rs folds. */
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "")
      .replace(/\u03c2/g, "\u03c3").normalize("NFC");
  }

  function cut(term) {
    return Array.from(term).slice(0, MAX_TERM_CHARS).join("");
  }

  /* The distinct terms of a text, in order. */
  function terms(text) {
    var out = [];
    var current = "";
    function push() {
      if (current) {
        var term = cut(current);
        if (out.indexOf(term) < 0) out.push(term);
        current = "";
      }
    }
    for (var c of fold(text)) {
      if (IDEOGRAPH.test(c)) { push(); current = c; push(); }
      else if (WORD_CHAR.test(c)) current += c;
      else push();
    }
    push();
    return out;
  }

  /* FNV-1a (32 bits) of the UTF-8 of the term's first key_chars characters, as terms.rs. */
  function bucketOf(term, manifest) {
    var key = Array.from(term).slice(0, manifest.key_chars).join("");
    var bytes = new TextEncoder().encode(key);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    }
    return h % manifest.buckets;
  }

  function load(url) {
    var key = url.href;
    if (!files[key]) {
      files[key] = fetch(url, { cache: "no-cache" }).then(function (response) {
        if (response.status === 404) return null;
        if (!response.ok) throw new Error(response.status + " " + key);
        return response.json();
      });
      files[key].catch(function () { delete files[key]; });
    }
    return files[key];
  }

  function indexFile(path) {
    return load(new URL(path, indexUrl));
  }

  /* The query's words; the last one is a prefix while it is being typed. */
  function parse(query, manifest) {
    var words = terms(query);
    var typing = !/\s$/.test(query);
    return words.map(function (term, i) {
      var last = i === words.length - 1;
      return {
        term: term,
        prefix: typing && last && Array.from(term).length >= manifest.key_chars
      };
    });
  }

  function owns(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  /* The messages of one segment that hold every word: "block,index" keys. */
  function searchSegment(manifest, chat, segment, words) {
    var buckets = [];
    words.forEach(function (w) {
      var k = bucketOf(w.term, manifest);
      if (buckets.indexOf(k) < 0) buckets.push(k);
    });
    var loads = buckets.map(function (k) {
      return indexFile(chat.slug + "/s" + segment + "/b" + k + ".json");
    });
    return Promise.all(loads).then(function (loaded) {
      var found = null;
      for (var i = 0; i < words.length; i++) {
        var w = words[i];
        var postings = loaded[buckets.indexOf(bucketOf(w.term, manifest))] || {};
        var lists = [];
        if (w.prefix) {
          for (var term in postings) {
            if (owns(postings, term) && term.indexOf(w.term) === 0) lists.push(postings[term]);
          }
        } else if (owns(postings, w.term)) {
          lists.push(postings[w.term]);
        }
        var here = new Set();
        lists.forEach(function (list) {
          for (var j = 0; j + 1 < list.length; j += 2) here.add(list[j] + "," + list[j + 1]);
        });
        found = found === null ? here : new Set(Array.from(found).filter(function (x) {
          return here.has(x);
        }));
        if (!found.size) return [];
      }
      return Array.from(found || []).map(function (key) {
        var parts = key.split(",");
        return { chat: chat, block: Number(parts[0]), index: Number(parts[1]) };
      });
    });
  }

  /* The newest hits of one chat (at most SHOWN), with their messages from the docs blocks. */
  function withDocs(hits) {
    hits.sort(function (a, b) { return b.block - a.block || b.index - a.index; });
    hits = hits.slice(0, SHOWN);
    return Promise.all(hits.map(function (hit) {
      return indexFile(hit.chat.slug + "/docs-" + hit.block + ".json").then(function (docs) {
        var doc = docs && docs[hit.index];
        if (!doc) return null;
        return { chat: hit.chat, ts: doc[0], anchor: doc[1], page: doc[2], author: doc[3], text: doc[4] };
      });
    }));
  }

  function search(query) {
    var mine = ++generation;
    if (!terms(query).length) {
      results.textContent = "";
      status.textContent = "";
      return;
    }
    status.textContent = word("search_loading", "Searching…");
    load(indexUrl).then(function (manifest) {
      if (!manifest || manifest.version !== FORMAT) throw new Error("unknown index format");
      var words = parse(query, manifest);
      var jobs = manifest.chats.map(function (chat) {
        var segments = [];
        for (var s = 1; s <= chat.segments; s++) segments.push(searchSegment(manifest, chat, s, words));
        return Promise.all(segments).then(function (lists) {
          var hits = [].concat.apply([], lists);
          return withDocs(hits).then(function (docs) { return { total: hits.length, docs: docs }; });
        });
      });
      return Promise.all(jobs).then(function (perChat) {
        if (mine !== generation) return;
        var total = 0;
        var docs = [];
        perChat.forEach(function (c) {
          total += c.total;
          c.docs.forEach(function (d) { if (d) docs.push(d); });
        });
        docs.sort(function (a, b) { return Number(b.ts) - Number(a.ts); });
        show(docs.slice(0, SHOWN), words, total);
      });
    }).catch(function () {
      if (mine !== generation) return;
      results.textContent = "";
      status.textContent = word("search_error", "The search index could not be loaded.");
    });
  }

  function show(docs, words, total) {
    results.textContent = "";
    status.textContent = total ? counted("search_results", total)
      : word("search_none", "No published message has these words.");
    docs.forEach(function (doc) {
      var li = document.createElement("li");
      li.className = "search-result";
      var meta = document.createElement("p");
      meta.className = "meta";
      var chat = document.createElement("span");
      chat.className = "search-chat";
      chat.textContent = doc.chat.headline || doc.chat.slug;
      var author = document.createElement("span");
      author.className = "search-author";
      author.textContent = doc.author;
      var time = document.createElement("time");
      var date = new Date(Number(doc.ts) * 1000);
      time.dateTime = date.toISOString();
      time.textContent = date.toLocaleDateString(language, { year: "numeric", month: "short", day: "numeric" });
      meta.append(chat, " · ", author, " · ", time);
      var link = document.createElement("a");
      link.className = "search-hit";
      link.href = new URL(doc.chat.slug + "/page-" + Number(doc.page) + ".html#" + doc.anchor, rootUrl).href;
      var text = document.createElement("span");
      text.className = "snippet";
      text.append(snippet(String(doc.text), words));
      link.append(text);
      li.append(meta, link);
      results.append(li);
    });
  }

  /* The text around the first match, with every matching word in <mark>. */
  function snippet(text, words) {
    var tokens = [];
    var current = null;
    for (var i = 0; i < text.length;) {
      var c = String.fromCodePoint(text.codePointAt(i));
      var f = fold(c);
      if (f && IDEOGRAPH.test(f)) {
        current = null;
        tokens.push({ start: i, end: i + c.length, folded: f });
      } else if (f && WORD_CHAR.test(f)) {
        if (!current) { current = { start: i, end: i, folded: "" }; tokens.push(current); }
        current.end = i + c.length;
        current.folded += f;
      } else if (!f && current) {
        current.end = i + c.length; // a combining mark belongs to its word
      } else {
        current = null;
      }
      i += c.length;
    }
    var matches = tokens.filter(function (t) {
      var term = cut(t.folded);
      return words.some(function (w) { return w.prefix ? term.indexOf(w.term) === 0 : term === w.term; });
    });
    var from = matches.length ? Math.max(0, matches[0].start - 80) : 0;
    if (from > 0 && /[\udc00-\udfff]/.test(text[from])) from += 1;
    var to = Math.min(text.length, from + 280);
    if (to < text.length && /[\udc00-\udfff]/.test(text[to])) to += 1;
    var out = document.createDocumentFragment();
    if (from > 0) out.append("…");
    var at = from;
    matches.forEach(function (m) {
      if (m.start < at || m.end > to) return;
      out.append(text.slice(at, m.start));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(m.start, m.end);
      out.append(mark);
      at = m.end;
    });
    out.append(text.slice(at, to));
    if (to < text.length) out.append("…");
    return out;
  }

  function run(pushState) {
    var query = input.value;
    var url = new URL(location.href);
    if (query.trim()) url.searchParams.set("q", query); else url.searchParams.delete("q");
    if (pushState && url.href !== location.href) history.replaceState(null, "", url.href);
    search(query);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run(true);
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(true); }, 200);
  });

  var initial = new URL(location.href).searchParams.get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
})();
