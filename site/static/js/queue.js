/* Puente moderation queue, live (Wagtail admin, moderators only).
 *
 * The queue page works without this file: it is complete on every load and
 * each decision is a plain form. With it, a websocket tells the page when an
 * item enters, changes or leaves the queue (`queue.changed`: ids and counts,
 * never text); the page then fetches that item's row from the admin (which
 * checks the moderator again and applies the page's filters) and puts it at
 * the top, replaces it in place, or drops it. Each change is announced in the
 * page's polite live region. Focus never moves: a row holding focus (a
 * moderator typing a note) is not replaced or removed, only marked.
 *
 * Nothing is missed: every change has a number (the queue's cursor; the page
 * renders the one it was built at). The page applies events in order; when
 * one skips a number, when a pong carries a cursor ahead of the page's, when
 * the server says `live.resync` and whenever the socket opens, it asks the
 * admin for the changes after its cursor (queue/changes/?after=N) and
 * applies those. Reconnecting is reconnect.js's (loaded first), as for
 * live.js: 4403 stops; 4001 (fell behind) reconnects at once with jitter;
 * 4429 (too many sockets) waits 30-60 s; 4408 (idle) reconnects when the
 * page is visible; anything else backs off with full jitter (the first
 * retry within 0.5-3 s, then up to 30 s). Coming back online or to the tab
 * reconnects a closed socket at once. The state is in the root's
 * data-state, data-attempts and data-retry-ms. */
(function () {
  "use strict";
  var root = document.querySelector("[data-moderation-queue]");
  if (!root || !("WebSocket" in window) || !window.fetch || !window.JSON ||
      !window.PuenteReconnect) return;

  var text = root.dataset;
  var list = root.querySelector("[data-queue-list]");
  var empty = root.querySelector("[data-queue-empty]");
  var announcer = root.querySelector("[data-queue-live]");
  var filters = text.filters ? "?" + text.filters : "";
  var changesUrl = text.changesUrl;
  // Row fetches in flight at once while catching up.
  var MAX_FETCHES = 4;
  var everConnected = false;
  // The number of the last change applied (the page's, at first).
  var cursor = parseInt(text.cursor, 10) || 0;
  // The catch-up under way: {again: true} when asked for again meanwhile.
  var catching = null;
  // Row fetches waiting for a free slot, and how many are in flight.
  var queued = [];
  var inFlight = 0;
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

  // `quiet`: part of a catch-up, which announces itself once at its end.
  function drop(commentId, quiet) {
    var row = rowOf(commentId);
    if (!row) return;
    if (holdsFocus(row)) {
      markStale(row, text.msgStale);
    } else {
      row.remove();
      syncEmpty();
    }
    if (!quiet) announce(text.msgResolved);
  }

  function place(commentId, html, quiet) {
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
      if (!quiet) announce(text.msgChanged);
      return;
    }
    list.insertBefore(fresh, list.firstElementChild);
    syncEmpty();
    if (!quiet) announce(text.msgNew);
  }

  function changed(event, quiet) {
    var commentId = parseInt(event.comment, 10);
    if (!commentId) return;
    if (!event.pending) {
      latest[commentId] = ++fetches; // cancels any fetch still on its way
      if (quiet && !rowOf(commentId)) return;
      drop(commentId, quiet);
      return;
    }
    var mine = latest[commentId] = ++fetches;
    var url = text.itemUrl.replace(/\/0\/$/, "/" + commentId + "/") + filters;
    slot(function () {
      return window.fetch(url, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" }
      }).then(function (response) {
        if (latest[commentId] !== mine) return;
        if (response.status === 404) {
          // Not pending any more, or not matching this page's filters.
          if (rowOf(commentId)) drop(commentId, quiet);
          return;
        }
        if (!response.ok) return;
        return response.text().then(function (html) {
          if (latest[commentId] === mine) place(commentId, html, quiet);
        });
      }).catch(function () { /* the next reload shows it */ });
    });
  }

  // At most MAX_FETCHES row fetches at once: a catch-up after a long absence
  // asks for many rows.
  function slot(start) {
    queued.push(start);
    pump();
  }

  function pump() {
    while (inFlight < MAX_FETCHES && queued.length) {
      inFlight += 1;
      queued.shift()().then(done, done);
    }
  }

  function done() {
    inFlight -= 1;
    pump();
  }

  function apply(event) {
    if (typeof event.cursor !== "number" || event.cursor <= cursor) return; // seen
    if (catching || event.cursor > cursor + 1) {
      // A change between ours and this one never reached us (the channel
      // layer was away, or two writes published out of order): fetch them
      // all, in order, from the admin.
      catchUp(false);
      return;
    }
    cursor = event.cursor;
    changed(event, false);
  }

  function catchUp(reconnected) {
    // One at a time; asked again meanwhile, it runs once more at its end.
    if (catching) {
      catching.again = true;
      catching.reconnected = catching.reconnected || reconnected;
      return;
    }
    catching = { again: false, reconnected: reconnected, count: 0 };
    fetchAfter();
  }

  function fetchAfter() {
    window.fetch(changesUrl + "?after=" + cursor, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      data.results.forEach(function (event) {
        if (event.cursor <= cursor) return;
        cursor = event.cursor;
        catching.count += 1;
        changed(event, true);
      });
      cursor = Math.max(cursor, data.next_cursor);
      if (data.more) return fetchAfter();
      finishCatchUp();
    }).catch(function () {
      // The next pong, event or reconnect asks again.
      var again = catching;
      catching = null;
      if (again.count) announce(caughtUp(again.count));
    });
  }

  function finishCatchUp() {
    var finished = catching;
    catching = null;
    if (finished.again) {
      catchUp(finished.reconnected);
      catching.count = finished.count;
      return;
    }
    if (finished.count) announce(caughtUp(finished.count));
    else if (finished.reconnected) announce(text.msgLive);
  }

  function caughtUp(count) {
    return text.msgCaughtUp.replace("%(count)s", String(count));
  }

  function onMessage(event) {
    if (event.type === "queue.changed") {
      apply(event);
    } else if (event.type === "pong") {
      // A quiet page still learns of changes it missed.
      if (typeof event.cursor === "number" && event.cursor > cursor) catchUp(false);
    } else if (event.type === "live.resync") {
      // The server's subscription came back after a failure.
      catchUp(false);
    }
  }

  window.PuenteReconnect({
    element: root,
    heartbeatMs: 25000,
    open: function () {
      return new WebSocket(window.PuenteReconnect.url(text.socketPath));
    },
    onOpen: function () {
      var reconnected = everConnected;
      everConnected = true;
      // What changed since the page was built or the socket was lost.
      catchUp(reconnected);
    },
    onMessage: onMessage,
    onClose: function (code, wasOpen) {
      if (wasOpen) announce(text.msgOffline);
    },
    onStop: function () {
      // Signed out, or no longer a moderator: the page says so, and stops.
      announce(text.msgForbidden);
    }
  }).start();
})();
