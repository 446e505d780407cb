/* Puente moderation queue, live (Wagtail admin, moderators only).
 *
 * The queue page works without this file: it is complete on every load and
 * each decision is a plain form. With it, a websocket tells the page when an
 * item enters, changes or leaves the queue (`queue.changed`: ids and counts,
 * never text); the page then fetches that item's row from the admin (which
 * checks the moderator again and applies the page's filters) and puts it at
 * the top, replaces it in place, or drops it. Each change is announced in the
 * page's polite live region. Focus never moves: a row holding focus (a
 * moderator typing a note) is not replaced or removed, only marked. */
(function () {
  "use strict";
  var root = document.querySelector("[data-moderation-queue]");
  if (!root || !("WebSocket" in window) || !window.fetch || !window.JSON) return;

  var text = root.dataset;
  var list = root.querySelector("[data-queue-list]");
  var empty = root.querySelector("[data-queue-empty]");
  var announcer = root.querySelector("[data-queue-live]");
  var filters = text.filters ? "?" + text.filters : "";
  var FORBIDDEN = 4403;
  var HEARTBEAT_MS = 25000;
  var socket = null;
  var attempts = 0;
  var everConnected = false;
  var heartbeat = null;
  var stopped = false;
  // comment id -> number of the latest fetch, so a slow answer to an older
  // event never overwrites a newer one.
  var latest = {};
  var fetches = 0;

  function announce(message) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  function rowOf(commentId) {
    return document.getElementById("queue-item-" + commentId);
  }

  function holdsFocus(row) {
    return row.contains(document.activeElement) && document.activeElement !== document.body;
  }

  function markStale(row, message) {
    row.classList.add("queue-item--stale");
    var status = row.querySelector("[data-queue-item-status]");
    if (status) status.textContent = message;
  }

  function syncEmpty() {
    if (empty) empty.hidden = list.children.length > 0;
  }

  function parseRow(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var row = holder.content.firstElementChild;
    return row && row.classList.contains("queue-item") ? row : null;
  }

  function drop(commentId) {
    var row = rowOf(commentId);
    if (!row) return;
    if (holdsFocus(row)) {
      markStale(row, text.msgStale);
    } else {
      row.remove();
      syncEmpty();
    }
    announce(text.msgResolved);
  }

  function place(commentId, html) {
    var fresh = parseRow(html);
    if (!fresh) return;
    var row = rowOf(commentId);
    if (row) {
      if (holdsFocus(row)) {
        markStale(row, text.msgUpdated);
      } else {
        // The moderator may have ticked it for a bulk decision.
        var box = row.querySelector("input[name=comments]");
        var freshBox = fresh.querySelector("input[name=comments]");
        if (box && freshBox) freshBox.checked = box.checked;
        row.replaceWith(fresh);
      }
      announce(text.msgChanged);
      return;
    }
    list.insertBefore(fresh, list.firstElementChild);
    syncEmpty();
    announce(text.msgNew);
  }

  function changed(event) {
    var commentId = parseInt(event.comment, 10);
    if (!commentId) return;
    if (!event.pending) {
      latest[commentId] = ++fetches; // cancels any fetch still on its way
      drop(commentId);
      return;
    }
    var mine = latest[commentId] = ++fetches;
    var url = text.itemUrl.replace(/\/0\/$/, "/" + commentId + "/") + filters;
    window.fetch(url, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      if (latest[commentId] !== mine) return;
      if (response.status === 404) {
        // Not pending any more, or not matching this page's filters.
        if (rowOf(commentId)) drop(commentId);
        return;
      }
      if (!response.ok) return;
      return response.text().then(function (html) {
        if (latest[commentId] === mine) place(commentId, html);
      });
    }).catch(function () { /* the next reload shows it */ });
  }

  function onMessage(message) {
    var event;
    try {
      event = JSON.parse(message.data);
    } catch (e) {
      return;
    }
    if (event && event.type === "queue.changed") changed(event);
  }

  function connect() {
    if (stopped) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + text.socketPath);
    socket.addEventListener("open", function () {
      root.dataset.state = "open";
      if (everConnected) announce(text.msgLive);
      everConnected = true;
      attempts = 0;
      heartbeat = window.setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, HEARTBEAT_MS);
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      root.dataset.state = "closed";
      window.clearInterval(heartbeat);
      if (event.code === FORBIDDEN) {
        // Signed out, or no longer a moderator: the page says so, and stops.
        stopped = true;
        announce(text.msgForbidden);
        return;
      }
      if (attempts === 0 && everConnected) announce(text.msgOffline);
      attempts += 1;
      // Exponential backoff with jitter, at most 30 s.
      var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(attempts, 5)));
      window.setTimeout(connect, delay / 2 + Math.random() * delay / 2);
    });
  }

  connect();
})();
