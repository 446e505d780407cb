/* Puente: the unread count in the header, live.
 *
 * The page works without this file: the header link shows the count the
 * page was rendered with. With it, one websocket per tab joins the person's
 * own group (`WS /ws/notifications/`); the server sends the count on
 * connect, whenever a notice arrives or is read, and in answer to a ping.
 * The count in the link follows, and a rise is announced in the header's
 * polite live region. Reconnects follow the rules of live.js: retries
 * spread at random (the first within 0.5-3 s, then up to 30 s), at once
 * when back online or back to the tab, and by close code: 4403 (not
 * signed in any more) stops, 4429 (too many sockets) waits 30-60 s, 4408
 * (idle) waits for the tab to be looked at, 4001 (fell behind) comes back
 * at once and asks for the count. The state is in the link's data-state,
 * the connections tried in data-attempts, the next wait in data-retry-ms. */
(function () {
  "use strict";
  var link = document.querySelector("[data-notifications-socket]");
  if (!link || !("WebSocket" in window) || !window.JSON) return;

  var box = link.querySelector("[data-unread]");
  var number = link.querySelector("[data-unread-count]");
  var announcer = document.getElementById("notifications-announcer");
  var FELL_BEHIND = 4001;
  var FORBIDDEN = 4403;
  var IDLE = 4408;
  var TOO_MANY = 4429;
  var RETRY_FLOOR_MS = 500;
  var RETRY_FIRST_MS = 3000;
  var RETRY_MAX_MS = 30000;
  var TOO_MANY_MS = 30000;
  var SOON_MS = 1000;
  var HEALTHY_MS = 15000;
  var HEARTBEAT_MS = 25000;
  var unread = parseInt(number ? number.textContent : "0", 10) || 0;
  var socket = null;
  var failures = 0;
  var attempts = 0;
  var openedAt = 0;
  var notBefore = 0;
  var retryTimer = null;
  var heartbeat = null;
  var stopped = false; // 4403: for good
  var parked = false; // in the browser's page cache

  function announce(message) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  function show(count) {
    if (typeof count !== "number" || count < 0 || count !== Math.floor(count)) return;
    var rose = count > unread;
    unread = count;
    if (number) number.textContent = String(count);
    if (box) box.hidden = count === 0;
    if (rose && announcer) {
      var text = announcer.dataset;
      announce(count === 1 ? text.one : text.many.replace("%(count)s", String(count)));
    }
  }

  function spread(low, high) {
    return low + Math.random() * (high - low);
  }

  function backoff() {
    var cap = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * Math.pow(2, Math.max(0, failures - 1)));
    return spread(RETRY_FLOOR_MS, cap);
  }

  function schedule(delay) {
    window.clearTimeout(retryTimer);
    var wait = Math.max(delay, notBefore - Date.now());
    link.dataset.retryMs = String(Math.round(wait));
    link.dataset.state = "waiting";
    retryTimer = window.setTimeout(connect, wait);
  }

  function reconnectSoon() {
    if (stopped || parked || socket) return;
    schedule(spread(0, SOON_MS));
  }

  function ping() {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
  }

  function connect() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped || parked || socket) return;
    attempts += 1;
    link.dataset.attempts = String(attempts);
    link.dataset.state = "connecting";
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + link.dataset.notificationsSocket);
    socket = ws;
    ws.addEventListener("open", function () {
      openedAt = Date.now();
      link.dataset.state = "open";
      // The server sends the count on connect; a hidden tab stays quiet, so
      // the server may close it as idle (4408).
      heartbeat = window.setInterval(function () {
        if (!document.hidden) ping();
      }, HEARTBEAT_MS);
    });
    ws.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (!event) return;
      if (event.type === "notifications.unread" || event.type === "pong") {
        show(event.unread);
      } else if (event.type === "live.resync") {
        ping(); // the server's feed was away: the pong has the count
      }
    });
    ws.addEventListener("close", closed);
  }

  function closed(event) {
    if (event.target !== socket) return; // one put away for the page cache
    socket = null;
    window.clearInterval(heartbeat);
    if (openedAt && Date.now() - openedAt >= HEALTHY_MS) failures = 0;
    openedAt = 0;
    failures += 1;
    var code = event.code;
    if (code === FORBIDDEN) {
      stopped = true;
      link.dataset.state = "stopped";
    } else if (code === TOO_MANY) {
      notBefore = Date.now() + spread(TOO_MANY_MS, 2 * TOO_MANY_MS);
      schedule(0);
    } else if (navigator.onLine === false) {
      link.dataset.state = "offline";
    } else if (code === IDLE && document.hidden) {
      link.dataset.state = "idle";
    } else if ((code === FELL_BEHIND || code === IDLE) && failures <= 1) {
      schedule(spread(100, SOON_MS));
    } else {
      schedule(backoff());
    }
  }

  window.addEventListener("online", reconnectSoon);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    if (socket) ping();
    else reconnectSoon();
  });
  window.addEventListener("pagehide", function (event) {
    if (stopped) return;
    parked = true;
    window.clearTimeout(retryTimer);
    window.clearInterval(heartbeat);
    var ws = socket;
    socket = null;
    openedAt = 0;
    link.dataset.state = "closed";
    if (ws) ws.close();
  });
  window.addEventListener("pageshow", function (event) {
    // Back from the browser's page cache: connect again.
    if (!event.persisted || !parked) return;
    parked = false;
    failures = 0;
    connect();
  });

  connect();
})();
