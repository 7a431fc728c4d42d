// scrollback watch: reloads the page after a rebuild, swaps stylesheets in place when only CSS
// changed, and shows build errors over the page until they are fixed. Injected by the dev
// server only; never part of the built site.
(function () {
  "use strict";
  var OVERLAY_ID = "scrollback-error-overlay";

  function showError(message) {
    var box = document.getElementById(OVERLAY_ID);
    if (!box) {
      box = document.createElement("div");
      box.id = OVERLAY_ID;
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:rgba(20,20,20,.92);" +
        "color:#fff;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:2rem;overflow:auto";
      var title = document.createElement("h2");
      title.textContent = "scrollback: the build failed";
      title.style.cssText = "font:700 18px system-ui,sans-serif;color:#ff6b6b;margin:0 0 1rem";
      var pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      box.appendChild(title);
      box.appendChild(pre);
      var hint = document.createElement("p");
      hint.textContent = "Fix the file and save: this page updates by itself.";
      hint.style.cssText = "color:#aaa;font-family:system-ui,sans-serif";
      box.appendChild(hint);
      (document.body || document.documentElement).appendChild(box);
    }
    box.querySelector("pre").textContent = message;
  }

  function clearError() {
    var box = document.getElementById(OVERLAY_ID);
    if (box) box.parentNode.removeChild(box);
  }

  function sameOriginSheets(doc, base) {
    var out = [];
    Array.prototype.forEach.call(doc.querySelectorAll('link[rel="stylesheet"]'), function (link) {
      var url = new URL(link.getAttribute("href"), base);
      if (url.origin === location.origin) out.push({ link: link, url: url });
    });
    return out;
  }

  function swap(link, url) {
    var next = link.cloneNode();
    next.href = url.toString();
    next.onload = function () { link.parentNode && link.parentNode.removeChild(link); };
    link.parentNode.insertBefore(next, link.nextSibling);
  }

  /* Style sheets linked by fingerprinted name (style.<hash>.css) have a new name after a change:
   * read it from the rebuilt page. Sheets whose name stayed are fetched again. */
  function swapStylesheets() {
    fetch(location.href, { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = sameOriginSheets(new DOMParser().parseFromString(html, "text/html"), location.href);
        var open = sameOriginSheets(document, location.href);
        if (fresh.length !== open.length) { location.reload(); return; }
        open.forEach(function (sheet, i) {
          var url = fresh[i].url;
          if (url.pathname === sheet.url.pathname) {
            url = new URL(sheet.url.href);
            url.searchParams.set("scrollback-reload", String(Date.now()));
          }
          swap(sheet.link, url);
        });
        clearError();
      }, function () { location.reload(); });
  }

  var source = new EventSource("/__scrollback/events");
  // Lets tests (and curious designers) see that the page is listening.
  source.addEventListener("open", function () {
    document.documentElement.setAttribute("data-scrollback-live-reload", "connected");
  });
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("css", swapStylesheets);
  source.addEventListener("error", function (e) {
    // Server-sent "error" events carry data; connection errors do not (EventSource retries).
    if (e && typeof e.data === "string") showError(e.data);
  });
})();
