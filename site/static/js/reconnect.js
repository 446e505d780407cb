/* Puente: how a page's websocket comes back (docs/live.md, "How pages
 * reconnect"). Shared by live.js, notifications.js and queue.js, which keep
 * only what is theirs (what a frame means, how to catch up, what to say).
 *
 *   var live = window.PuenteReconnect({
 *     element: node,             // gets data-state, data-attempts, data-retry-ms
 *     open: function () { return new WebSocket(PuenteReconnect.url(path)); },
 *     heartbeatMs: 20000,        // ping while the page is visible
 *     onOpen: function (ws) {},
 *     onMessage: function (event, ws) {},  // each frame, parsed JSON
 *     onClose: function (code, wasOpen) {}, // lost, before the retry is set
 *     onStop: function (code) {},           // 4403/4404: for good
 *     onPark: function () {}                // into the browser's page cache
 *   });
 *   live.start();
 *
 * Retries are spread at random (full jitter: between 0.5 s and a cap that
 * starts at 3 s and doubles per consecutive failure, 30 s at most; a
 * connection open 15 s resets it), so the readers of a restarted server come
 * back over seconds, not in one instant. The close code decides the rest
 * (core/sockets.py): 4001 (fell behind) and 4408 (idle) come back within a
 * second, 4408 only once the page is visible; 4429 (too many sockets) waits
 * 30-60 s, not shortened by anything; 4403/4404 stop. Coming back online or
 * to the tab reconnects a closed socket at once (0-1 s); offline, the page
 * waits for "online". data-state is "connecting", "open", "waiting",
 * "offline", "idle", "stopped" or "closed" (in the page cache). */
(function () {
  "use strict";
  if (window.PuenteReconnect) return; // loaded once already
  var FELL_BEHIND = 4001; // the page did not read fast enough: at once
  var FORBIDDEN = 4403;
  var NOT_FOUND = 4404;
  var IDLE = 4408; // nothing sent for a long while: when the page is looked at
  var TOO_MANY = 4429; // too many sockets from here: back off long
  var RETRY_FLOOR_MS = 500;
  var RETRY_FIRST_MS = 3000; // the first retry falls within 0.5-3 s
  var RETRY_MAX_MS = 30000;
  var TOO_MANY_MS = 30000; // after 4429, wait 30-60 s
  var SOON_MS = 1000; // "at once": within a second, spread
  var HEALTHY_MS = 15000; // a connection open this long resets the backoff

  function spread(low, high) {
    return low + Math.random() * (high - low);
  }

  function nothing() {}

  function PuenteReconnect(options) {
    var element = options.element;
    var onOpen = options.onOpen || nothing;
    var onMessage = options.onMessage || nothing;
    var onClose = options.onClose || nothing;
    var onStop = options.onStop || nothing;
    var onPark = options.onPark || nothing;
    var socket = null;
    var failures = 0; // connections lost or refused since the last healthy one
    var attempts = 0; // connections tried, shown in data-attempts
    var openedAt = 0;
    var notBefore = 0; // no reconnect before this time (after 4429)
    var retryTimer = null;
    var heartbeat = null;
    var stopped = false; // 4403/4404: for good
    var parked = false; // in the browser's page cache

    function setState(state) {
      element.dataset.state = state;
    }

    function isOpen() {
      return !!socket && socket.readyState === WebSocket.OPEN;
    }

    function ping() {
      if (isOpen()) socket.send('{"type":"ping"}');
    }

    function backoff() {
      // Full jitter: anywhere between the floor and a cap that doubles with
      // each failure, 3 s for the first retry, 30 s at most.
      var cap = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * Math.pow(2, Math.max(0, failures - 1)));
      return spread(RETRY_FLOOR_MS, cap);
    }

    function schedule(delay) {
      window.clearTimeout(retryTimer);
      var wait = Math.max(delay, notBefore - Date.now());
      element.dataset.retryMs = String(Math.round(wait));
      setState("waiting");
      retryTimer = window.setTimeout(connect, wait);
    }

    // Back online, or the page looked at again: try now rather than at the
    // end of a long backoff (still spread, and never before a 4429's wait).
    function reconnectSoon() {
      if (stopped || parked || socket) return;
      schedule(spread(0, SOON_MS));
    }

    function connect() {
      window.clearTimeout(retryTimer);
      retryTimer = null;
      if (stopped || parked || socket) return;
      attempts += 1;
      element.dataset.attempts = String(attempts);
      setState("connecting");
      var ws = options.open();
      socket = ws;
      ws.addEventListener("open", function () {
        if (socket !== ws) return;
        openedAt = Date.now();
        setState("open");
        // A hidden page stays quiet, so the server may close it as idle
        // (4408); visible again, it pings (below).
        window.clearInterval(heartbeat);
        heartbeat = window.setInterval(function () {
          if (!document.hidden) ping();
        }, options.heartbeatMs || 25000);
        onOpen(ws);
      });
      ws.addEventListener("message", function (message) {
        if (socket !== ws) return;
        var event;
        try { event = JSON.parse(message.data); } catch (e) { return; }
        if (event) onMessage(event, ws);
      });
      ws.addEventListener("close", closed);
    }

    function closed(event) {
      if (event.target !== socket) return; // one put away for the page cache
      socket = null;
      window.clearInterval(heartbeat);
      var wasOpen = openedAt > 0;
      if (wasOpen && Date.now() - openedAt >= HEALTHY_MS) failures = 0;
      openedAt = 0;
      failures += 1;
      var code = event.code;
      if (code === FORBIDDEN || code === NOT_FOUND) {
        // Not allowed, or gone: trying again would not help.
        stopped = true;
        setState("stopped");
        onStop(code);
        return;
      }
      onClose(code, wasOpen);
      if (code === TOO_MANY) {
        notBefore = Date.now() + spread(TOO_MANY_MS, 2 * TOO_MANY_MS);
        schedule(0);
      } else if (navigator.onLine === false) {
        setState("offline"); // the "online" event brings it back
      } else if (code === IDLE && document.hidden) {
        setState("idle"); // "visibilitychange" brings it back
      } else if ((code === FELL_BEHIND || code === IDLE) && failures <= 1) {
        schedule(spread(100, SOON_MS));
      } else {
        // 1012 (server restarting), 1001 (going away), 1006 (no server), ...
        schedule(backoff());
      }
    }

    window.addEventListener("online", reconnectSoon);
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) return;
      if (socket) ping(); // anything missed while hidden: the pong says
      else reconnectSoon();
    });
    window.addEventListener("pagehide", function (event) {
      // Into the browser's page cache: no socket held open meanwhile.
      if (!event.persisted || stopped) return;
      parked = true;
      window.clearTimeout(retryTimer);
      window.clearInterval(heartbeat);
      var ws = socket;
      socket = null;
      openedAt = 0;
      setState("closed");
      onPark();
      if (ws) ws.close();
    });
    window.addEventListener("pageshow", function (event) {
      // Back from the page cache: connect again (and catch up on open).
      if (!event.persisted || !parked) return;
      parked = false;
      failures = 0;
      connect();
    });

    return {
      start: connect,
      ping: ping,
      isOpen: isOpen,
      socket: function () { return socket; }
    };
  }

  // The websocket URL of a path on this site (wss:// under https).
  PuenteReconnect.url = function (path) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  };
  PuenteReconnect.spread = spread;
  window.PuenteReconnect = PuenteReconnect;
})();
