/* scrollback live page: follows a live chat without a reload.
 *
 * The page is complete without this script. While the chat is live, its last page loads this
 * script, which polls the chat's small live feed (live.json on the same origin, with conditional
 * requests; live.jsonp from another origin, for embeds) and applies it: new messages and replies
 * are inserted, edited ones replaced, removed ones taken out, reactions updated. The reader's
 * scroll position is kept; a reader who scrolled away gets a "N new updates" button instead of a
 * jump. Polling slows down while nothing changes and while the tab is hidden. The "Pinned" block
 * above the messages follows editors' pins (a message's `pinned`) as they come and go.
 *
 * Where `scrollback serve` hosts the page, the same documents are pushed instead (`data-push`: a
 * stream of server-sent events, each one the chat's live.json as just published), and nothing is
 * polled while the stream is open. A CDN or static host answers 404 there: the page polls as
 * above. When an open stream drops, the page polls at once and tries the stream again, a little
 * later each time. Both paths go through apply(), which is idempotent by ts.
 *
 * Its words come from the page (`data-strings`: the theme's i18n table in the site's language,
 * with plural forms picked by the browser's Intl.PluralRules); with `data-newest-first` the list
 * reads newest first and new messages go on top.
 *
 * The feed's `html` is safe HTML from scrollback's renderer; everything else is set as text. */
(function () {
  "use strict";

  var config = document.querySelector(".live-follow");
  var article = document.querySelector("article.chat");
  var list = article && article.querySelector("ol.messages");
  if (!config || !list) return;

  var data = config.dataset;
  var jsonUrl = new URL(data.json, location.href);
  var jsonpUrl = new URL(data.jsonp, location.href);
  var base = Number(data.interval) || 3000;
  var slowest = Math.max(base, Number(data.maxInterval) || 30000);
  var firstPage = data.firstPage === "true";
  var avatars = data.avatars === "true";
  var slug = article.getAttribute("data-slug");
  var newestFirst = data.newestFirst === "true";
  var threadPages = data.threadPages === "true";
  var language = data.language || document.documentElement.lang || "en";
  var strings = readStrings(data.strings);
  var useJsonp = jsonUrl.origin !== location.origin || !window.fetch;
  var pushUrl = data.push && !useJsonp && window.EventSource ? new URL(data.push, location.href) : null;
  var pinnedBlock = article.querySelector("section.pinned");
  var pinnedList = pinnedBlock && pinnedBlock.querySelector("ol.pinned-messages");

  var state = {
    etag: null,
    modified: null,
    updated: null,   // the newest activity seen (microseconds)
    delay: base,
    timer: null,
    stopped: false,
    applied: {},     // ts -> the message's JSON as last applied
    pinned: {},      // ts -> a pinned message's JSON as last shown in the pinned block
    unseen: 0,       // new messages since the reader scrolled away
    firstUnseen: null,
    epoch: 0         // bumped when a push stream opens: polls sent before it are stale
  };

  var push = {
    source: null,
    open: false,     // a stream is open: nothing is polled
    opened: false,   // a stream opened once: this server pushes, so a dropped one is retried
    retry: base,
    timer: null
  };

  // --- polling ---------------------------------------------------------------------------------

  function schedule(ms) {
    clearTimeout(state.timer);
    if (!state.stopped && !push.open) state.timer = setTimeout(poll, ms);
  }

  function next(changed) {
    state.delay = changed ? base : Math.min(slowest, Math.round(state.delay * 1.5));
    schedule(document.hidden ? slowest : state.delay);
  }

  function poll() {
    if (useJsonp) return pollJsonp();
    var headers = {};
    if (state.etag) headers["If-None-Match"] = state.etag;
    if (state.modified) headers["If-Modified-Since"] = state.modified;
    var epoch = state.epoch;
    fetch(jsonUrl.href, { cache: "no-store", headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (epoch !== state.epoch) return null;
        if (response.status === 304) return null;
        if (response.status === 404) { ended(); return null; }
        if (!response.ok) throw new Error("HTTP " + response.status);
        state.etag = response.headers.get("ETag");
        state.modified = response.headers.get("Last-Modified");
        return response.json();
      })
      .then(function (feed) { if (epoch === state.epoch) next(feed ? apply(feed) : false); },
            function () { if (epoch === state.epoch) next(false); });
  }

  /* JSONP: a script tag calling the configured callback. The URL changes once per interval so
   * that caches can serve every reader the same copy in between. */
  function pollJsonp() {
    var done = false;
    var script = document.createElement("script");
    setCallback(data.callback, function (feed) {
      if (!feed || !feed.channel || feed.channel.slug !== slug) return;
      done = true;
      next(apply(feed));
    });
    var url = new URL(jsonpUrl.href);
    url.searchParams.set("t", String(Math.floor(Date.now() / base)));
    script.src = url.href;
    script.async = true;
    script.onload = script.onerror = function () {
      script.remove();
      if (!done) next(false);
    };
    document.head.appendChild(script);
  }

  function setCallback(name, fn) {
    var parts = String(name || "scrollbackLive").split(".");
    var target = window;
    for (var i = 0; i < parts.length - 1; i++) {
      if (parts[i] === "window" && i === 0) continue;
      target = target[parts[i]] = target[parts[i]] || {};
    }
    target[parts[parts.length - 1]] = fn;
  }

  function ended() {
    state.stopped = true;
    clearTimeout(state.timer);
    closePush();
    status(word("chat_ended"));
  }

  // --- push ------------------------------------------------------------------------------------

  function connect() {
    push.timer = null;
    if (!pushUrl || state.stopped) return;
    var source = new EventSource(pushUrl.href);
    push.source = source;
    source.onopen = function () {
      push.open = true;
      push.opened = true;
      push.retry = base;
      // The stream's first document is the current one: a poll under way has nothing newer.
      state.epoch++;
      clearTimeout(state.timer);
    };
    source.onmessage = function (event) {
      var feed;
      try { feed = JSON.parse(event.data); } catch (e) { return; }
      apply(feed);
    };
    source.onerror = function () {
      var wasOpen = push.open;
      closePush();
      // Never opened: no push here (a CDN, a static host, or too many streams); polling runs.
      if (!push.opened || state.stopped) return;
      if (wasOpen) {
        state.delay = base;
        schedule(0);
      }
      // Again a little later each time (with jitter, so pages do not all come back at once).
      push.timer = setTimeout(connect, push.retry * (1 + Math.random() / 2));
      push.retry = Math.min(push.retry * 2, slowest);
    };
  }

  function closePush() {
    if (push.source) push.source.close();
    push.source = null;
    push.open = false;
    clearTimeout(push.timer);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !state.stopped) {
      state.delay = base;
      schedule(0);
    }
  });

  // --- applying a feed -------------------------------------------------------------------------

  function apply(feed) {
    if (feed.channel && feed.channel.state !== "live") ended();
    var changed = false;
    var following = atNewest();
    var anchor = scrollAnchor();
    var inserted = [];

    if (state.updated !== null && feed.since !== null && feed.since > state.updated) {
      status(word("missed_updates"));
    }
    if (feed.updated !== null && feed.updated !== undefined) state.updated = feed.updated;

    (feed.removed || []).forEach(function (ts) {
      var li = topItem(ts);
      if (li) {
        removeWithDivider(li);
        delete state.applied[ts];
        changed = true;
      }
    });

    (feed.messages || []).forEach(function (m) {
      var json = JSON.stringify(m);
      if (state.applied[m.ts] === json) return;
      var existing = topItem(m.ts);
      if (!existing && !belongsHere(m.ts)) return;
      var li = renderTop(m);
      if (existing) {
        var replies = countNewReplies(existing, m);
        existing.replaceWith(li);
        if (replies > 0) inserted.push({ li: li, count: replies });
      } else {
        insertTop(li, m);
        li.classList.add("live-new");
        inserted.push({ li: li, count: 1 });
      }
      state.applied[m.ts] = json;
      changed = true;
    });

    if (updatePinned(feed)) changed = true;
    if (!changed) return false;
    if (following) {
      window.scrollTo(0, newestFirst ? 0 : document.documentElement.scrollHeight);
    } else {
      restore(anchor);
      inserted.forEach(function (x) {
        if (!state.firstUnseen || !state.firstUnseen.isConnected) state.firstUnseen = x.li;
        state.unseen += x.count;
      });
      showUnseen();
    }
    return true;
  }

  /* Whether a message not on this page belongs on it: pages are cut oldest first, and this is
   * the last page, so anything newer than its oldest message is here. */
  function belongsHere(ts) {
    if (firstPage) return true;
    var tops = list.querySelectorAll(":scope > li[data-ts]");
    if (!tops.length) return true;
    var oldest = tops[newestFirst ? tops.length - 1 : 0];
    return key(ts) > key(oldest.getAttribute("data-ts"));
  }

  /* Whether top-level message `a` is shown above message `b` (ts keys). */
  function above(a, b) {
    return newestFirst ? a > b : a < b;
  }

  /* The top-level item of message `ts`, by its ts: a broadcast reply ("also send to channel")
   * is shown in its thread too, where pages built by earlier versions gave it the same id. */
  function topItem(ts) {
    return list.querySelector(':scope > li[data-ts="' + ts + '"]');
  }

  function countNewReplies(existing, m) {
    var have = {};
    existing.querySelectorAll(".replies > li[data-ts]").forEach(function (r) {
      have[r.getAttribute("data-ts")] = true;
    });
    return (m.thread || []).filter(function (r) { return !have[r.ts]; }).length;
  }

  function insertTop(li, m) {
    var tops = list.querySelectorAll(":scope > li[data-ts]");
    var before = null;
    for (var i = 0; i < tops.length; i++) {
      if (above(key(m.ts), key(tops[i].getAttribute("data-ts")))) { before = tops[i]; break; }
    }
    var prev = before ? previousTop(before) : tops[tops.length - 1];
    var day = m.time && m.time.day;
    var point = before;
    var over = before ? before.previousElementSibling : null;
    var dividerAbove = !!over && over.classList.contains("day-divider");
    var sameDay = !!before && before.getAttribute("data-day") === day;
    // Another day's divider stays with its day: insert above it.
    if (dividerAbove && !sameDay) point = over;
    if ((!prev || prev.getAttribute("data-day") !== day) && !(dividerAbove && sameDay)) {
      list.insertBefore(dayDivider(m.time), point);
    }
    list.insertBefore(li, point);
  }

  function previousTop(li) {
    var p = li.previousElementSibling;
    while (p && !p.hasAttribute("data-ts")) p = p.previousElementSibling;
    return p;
  }

  function removeWithDivider(li) {
    var prev = li.previousElementSibling;
    var nextEl = li.nextElementSibling;
    li.remove();
    // A day divider left with no message under it goes too.
    if (prev && prev.classList.contains("day-divider") &&
        (!nextEl || nextEl.classList.contains("day-divider"))) {
      prev.remove();
    }
  }

  // --- the pinned block -----------------------------------------------------------------------

  /* Keeps the block in step with the feed: a message (or reply) that says `pinned` is shown or
   * replaced there, one that does not (or was removed, or left its thread) is taken out. */
  function updatePinned(feed) {
    if (!pinnedList) return false;
    var changed = false;
    (feed.removed || []).forEach(function (ts) {
      changed = unpin(ts) || changed;
      pinnedReplies(ts).forEach(function (li) { changed = unpin(li.getAttribute("data-ts")) || changed; });
    });
    (feed.messages || []).forEach(function (m) {
      var thread = m.thread || [];
      var inThread = {};
      thread.forEach(function (r) { inThread[r.ts] = true; });
      pinnedReplies(m.ts).forEach(function (li) {
        var ts = li.getAttribute("data-ts");
        if (!inThread[ts]) changed = unpin(ts) || changed;
      });
      [m].concat(thread).forEach(function (x) {
        changed = (x.pinned ? pin(x) : unpin(x.ts)) || changed;
      });
    });
    pinnedBlock.classList.toggle("pinned--empty", !pinnedList.querySelector("li[data-ts]"));
    return changed;
  }

  function pinnedItem(ts) {
    var items = pinnedList.querySelectorAll(":scope > li[data-ts]");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-ts") === String(ts)) return items[i];
    }
    return null;
  }

  function pinnedReplies(parent) {
    return Array.prototype.filter.call(pinnedList.querySelectorAll(":scope > li[data-thread-ts]"),
      function (li) { return li.getAttribute("data-thread-ts") === String(parent); });
  }

  function pin(m) {
    var json = JSON.stringify(m);
    if (state.pinned[m.ts] === json) return false;
    var li = el("li");
    li.setAttribute("data-ts", m.ts);
    if (m.thread_ts) li.setAttribute("data-thread-ts", m.thread_ts);
    li.appendChild(renderMessage(m));
    var existing = pinnedItem(m.ts);
    if (existing) {
      // The build links a message whose place is on another page there (page-3.html#m…).
      var was = existing.querySelector("a.timestamp"), now = li.querySelector("a.timestamp");
      if (was && now && (was.getAttribute("href") || "#").charAt(0) !== "#") {
        now.setAttribute("href", was.getAttribute("href"));
      }
      existing.replaceWith(li);
    } else {
      var items = pinnedList.querySelectorAll(":scope > li[data-ts]");
      var before = null;
      for (var i = 0; i < items.length; i++) {
        if (key(m.ts) < key(items[i].getAttribute("data-ts"))) { before = items[i]; break; }
      }
      pinnedList.insertBefore(li, before);
    }
    state.pinned[m.ts] = json;
    return true;
  }

  // A pin drawn here from the live feed links `#m…`, which is not on this page when the
  // message's place is on another page: the feed does not say which. The page as built since
  // does (its pinned block links there), so a reader's click asks it.
  if (pinnedList) pinnedList.addEventListener("click", function (e) {
    var stamp = e.target.closest && e.target.closest("a.timestamp");
    var href = stamp && stamp.getAttribute("href");
    if (!href || href.charAt(0) !== "#" || document.getElementById(href.slice(1)) || !window.fetch) return;
    var ts = stamp.closest("li[data-ts]").getAttribute("data-ts");
    e.preventDefault();
    fetch(location.pathname + location.search, { cache: "no-cache", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        var built = new DOMParser().parseFromString(html, "text/html")
          .querySelector('section.pinned li[data-ts="' + ts + '"] a.timestamp');
        var link = built && built.getAttribute("href");
        // Only a page of this site: the build links pages, never elsewhere.
        var target = link && link.charAt(0) !== "#" && new URL(link, location.href);
        if (target && target.origin === location.origin) {
          stamp.setAttribute("href", link);
          location.href = target.href;
        }
      })
      .catch(function () {});
  });

  function unpin(ts) {
    var li = pinnedItem(ts);
    delete state.pinned[ts];
    if (!li) return false;
    li.remove();
    return true;
  }

  // --- scroll position and the "new updates" button ---------------------------------------------

  /* Whether the reader is where new messages appear: the bottom, or the top when newest first. */
  function atNewest() {
    if (newestFirst) return window.scrollY <= 80;
    var doc = document.documentElement;
    return window.innerHeight + window.scrollY >= doc.scrollHeight - 80;
  }

  /* The first message in view and where it is, to put it back there after the page changes. */
  function scrollAnchor() {
    var items = list.querySelectorAll("li[data-ts]");
    for (var i = 0; i < items.length; i++) {
      var r = items[i].getBoundingClientRect();
      if (r.bottom > 0) return { ts: items[i].getAttribute("data-ts"), top: r.top };
    }
    return null;
  }

  function restore(anchor) {
    if (!anchor) return;
    var el = topItem(anchor.ts);
    if (!el) return;
    var delta = el.getBoundingClientRect().top - anchor.top;
    if (delta) window.scrollBy(0, delta);
  }

  var button = document.createElement("button");
  button.type = "button";
  button.className = "live-updates";
  button.hidden = true;
  button.addEventListener("click", function () {
    var target = newestFirst ? list.firstElementChild
      : state.firstUnseen && state.firstUnseen.isConnected ? state.firstUnseen : list.lastElementChild;
    clearUnseen();
    if (target) target.scrollIntoView({ block: "start" });
  });
  document.body.appendChild(button);

  function showUnseen() {
    if (state.unseen <= 0) return;
    button.textContent = counted("new_updates", state.unseen);
    button.hidden = false;
  }

  function clearUnseen() {
    state.unseen = 0;
    state.firstUnseen = null;
    button.hidden = true;
  }

  window.addEventListener("scroll", function () {
    if (!button.hidden && atNewest()) clearUnseen();
  }, { passive: true });

  var statusLine = null;
  function status(text) {
    if (!statusLine) {
      statusLine = document.createElement("p");
      statusLine.className = "live-note";
      statusLine.setAttribute("role", "status");
      config.appendChild(statusLine);
    }
    statusLine.textContent = text;
  }

  // --- words --------------------------------------------------------------------------------------

  /* The theme's words as the page gives them; a page without them (an embed written before they
   * existed) gets the theme's English ones. */
  function readStrings(json) {
    try {
      var table = JSON.parse(json || "null");
      if (table && table.strings) return table.strings;
    } catch (e) { /* fall through */ }
    return {
      deleted: "This message was deleted.", edited: "(edited)", replies_label: "Replies",
      corrected: "Corrected {date}", pinned: "Pinned",
      reactions_label: "Reactions", file_unavailable: "(no longer available)",
      chat_ended: "This chat has ended. Reload the page for its final version.",
      missed_updates: "This page missed some updates while it was away: reload it to see everything.",
      replies: { one: "{n} reply", other: "{n} replies" },
      new_updates: { one: "{n} new update", other: "{n} new updates" }
    };
  }

  function word(name) {
    var s = strings[name];
    return typeof s === "string" ? s : name;
  }

  var plurals = null;
  try { plurals = new Intl.PluralRules(language); } catch (e) { plurals = null; }

  /* A counted string in the form the number needs ("1 réponse", "2 réponses"). */
  function counted(name, n) {
    var forms = strings[name] || {};
    var form = plurals ? plurals.select(n) : (n === 1 ? "one" : "other");
    var text = forms[form] || forms.other || String(n);
    return text.split("{n}").join(String(n));
  }

  // --- messages as the default theme's message.html renders them --------------------------------

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function safeUrl(u) {
    if (typeof u !== "string") return null;
    try {
      var url = new URL(u, location.href);
      return /^(https?|mailto):$/.test(url.protocol) ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function anchorOf(ts) {
    return "m" + String(ts).replace(".", "-");
  }

  function key(ts) {
    var parts = String(ts).split(".");
    var micros = ((parts[1] || "") + "000000").slice(0, 6);
    return Number(parts[0]) * 1e6 + Number(micros);
  }

  function dayDivider(time) {
    var li = el("li", "day-divider");
    var h2 = el("h2");
    var t = el("time", null, time && time.date);
    if (time) t.setAttribute("datetime", time.day);
    h2.appendChild(t);
    li.appendChild(h2);
    return li;
  }

  function renderTop(m) {
    var li = el("li");
    li.id = m.anchor || anchorOf(m.ts);
    li.setAttribute("data-ts", m.ts);
    if (m.time) li.setAttribute("data-day", m.time.day);
    li.appendChild(renderMessage(m));
    var thread = m.thread || [];
    if (thread.length) {
      var section = el("section", "thread");
      section.setAttribute("aria-label", word("replies_label"));
      section.appendChild(threadCount(m, thread.length));
      var ol = el("ol", "replies");
      thread.forEach(function (r) {
        var rli = el("li");
        // A broadcast reply's id is its top-level item's: one element per id.
        if (r.subtype !== "thread_broadcast") rli.id = r.anchor || anchorOf(r.ts);
        rli.setAttribute("data-ts", r.ts);
        rli.appendChild(renderMessage(r));
        ol.appendChild(rli);
      });
      section.appendChild(ol);
      li.appendChild(section);
    }
    return li;
  }

  // The reply count, linking the thread's own page as the build does (threads::linked): the
  // site has thread pages and the parent is not deleted (a deleted parent gets no page).
  function threadCount(m, n) {
    var p = el("p", "thread-count");
    if (threadPages && !m.tombstone) {
      var a = el("a", "thread-link", counted("replies", n));
      a.href = "thread-" + String(m.ts).replace(".", "-") + ".html";
      p.appendChild(a);
    } else {
      p.textContent = counted("replies", n);
    }
    return p;
  }

  function renderMessage(m) {
    var user = m.user || {};
    var cls = "message" + (user.is_bot ? " message--bot" : "") + (m.subtype ? " message--" + m.subtype : "") +
      (m.pinned ? " message--pinned" : "") + (m.highlighted ? " message--highlighted" : "");
    var art = el("article", cls);
    if (m.tombstone) {
      art.appendChild(el("p", "tombstone", word("deleted")));
      return art;
    }
    if (avatars) {
      var avatar = safeUrl(user.avatar);
      if (avatar) {
        var img = el("img", "avatar");
        img.src = avatar;
        img.alt = "";
        img.width = 40;
        img.height = 40;
        img.loading = "lazy";
        art.appendChild(img);
      } else {
        var blank = el("span", "avatar avatar--blank", (user.name || "?").charAt(0).toUpperCase());
        blank.setAttribute("aria-hidden", "true");
        art.appendChild(blank);
      }
    }
    var body = el("div", "message-body");
    var byline = el("header", "byline");
    byline.appendChild(el("span", "author", user.name || ""));
    var stamp = el("a", "timestamp");
    stamp.href = "#" + (m.anchor || anchorOf(m.ts));
    var time = el("time", null, m.time && (m.time.zone ? m.time.time + " " + m.time.zone : m.time.time));
    if (m.time) time.setAttribute("datetime", m.time.iso);
    stamp.appendChild(time);
    byline.appendChild(stamp);
    if (m.edited) byline.appendChild(el("span", "edited", word("edited")));
    if (m.corrected) {
      var corrected = el("span", "corrected");
      var when = el("time", null, word("corrected").split("{date}").join(m.corrected.date || ""));
      when.setAttribute("datetime", m.corrected.iso || "");
      corrected.appendChild(when);
      byline.appendChild(corrected);
    }
    body.appendChild(byline);
    var text = el("div", "text");
    text.innerHTML = m.html || ""; // safe HTML from scrollback's renderer
    body.appendChild(text);
    if (m.files && m.files.length) body.appendChild(renderFiles(m.files));
    if (m.reactions && m.reactions.length) body.appendChild(renderReactions(m.reactions));
    art.appendChild(body);
    return art;
  }

  function renderFiles(files) {
    var ul = el("ul", "files");
    files.forEach(function (f) {
      var li = el("li", "file");
      var url = safeUrl(f.url);
      var thumb = f.thumb && safeUrl(f.thumb.url);
      var image = thumb || safeUrl(f.image);
      if (image) {
        var fig = el("figure");
        var a = el("a");
        if (url) a.href = url;
        var img = el("img");
        img.src = image;
        img.alt = f.title || "";
        var size = thumb ? f.thumb : f;
        if (size.width && size.height) {
          img.width = size.width;
          img.height = size.height;
        }
        img.loading = "lazy";
        a.appendChild(img);
        fig.appendChild(a);
        if (f.title !== f.name) fig.appendChild(el("figcaption", null, f.title));
        li.appendChild(fig);
      } else {
        var card = el(url ? "a" : "span", f.available === false ? "file-card file-card--gone" : "file-card");
        if (url) {
          card.href = url;
          card.rel = "noopener nofollow";
        }
        card.appendChild(el("span", "file-kind", f.kind));
        card.appendChild(document.createTextNode(" "));
        card.appendChild(el("span", "file-title", f.title));
        if (f.size) {
          card.appendChild(document.createTextNode(" "));
          card.appendChild(el("span", "file-size", size(f.size)));
        }
        if (f.available === false) {
          card.appendChild(document.createTextNode(" "));
          card.appendChild(el("span", "file-note", word("file_unavailable")));
        }
        li.appendChild(card);
      }
      ul.appendChild(li);
    });
    return ul;
  }

  function size(bytes) {
    var units = ["B", "KB", "MB", "GB", "TB"];
    var n = Math.max(0, bytes), u = 0;
    while (n >= 1000 && u < units.length - 1) { n /= 1000; u++; }
    return (u === 0 ? n.toFixed(0) : n.toFixed(1)) + " " + units[u];
  }

  function renderReactions(reactions) {
    var ul = el("ul", "reactions");
    ul.setAttribute("aria-label", word("reactions_label"));
    reactions.forEach(function (r) {
      var li = el("li", "reaction");
      li.title = (r.users || []).join(", ");
      var image = safeUrl(r.image);
      if (image) {
        var img = el("img", "emoji");
        img.src = image;
        img.alt = ":" + r.name + ":";
        li.appendChild(img);
      } else if (r.emoji) {
        var span = el("span", "emoji", r.emoji);
        span.setAttribute("role", "img");
        span.setAttribute("aria-label", r.name);
        li.appendChild(span);
      } else {
        li.appendChild(el("span", "emoji", ":" + r.name + ":"));
      }
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "count", r.count));
      ul.appendChild(li);
    });
    return ul;
  }

  // Scroll anchoring is done here, message by message; the browser's own would fight it.
  document.documentElement.style.overflowAnchor = "none";
  // For debugging and tests (not the JSONP callback, which may be called scrollbackLive).
  window.scrollbackLivePage = { poll: function () { schedule(0); }, state: state, push: push };
  schedule(0);
  connect();
})();
