/* Puente: the unread count in the header, live.
 *
 * The page works without this file: the header link shows the count the
 * page was rendered with. With it, one websocket per tab joins the person's
 * own group (`WS /ws/notifications/`); the server sends the count on
 * connect, whenever a notice arrives or is read, and in answer to a ping.
 * The count in the link follows, and a rise is announced in the header's
 * polite live region. The socket reconnects with backoff; a refusal
 * (4403: not signed in any more) stops it. */
(function () {
  "use strict";
  var link = document.querySelector("[data-notifications-socket]");
  if (!link || !("WebSocket" in window) || !window.JSON) return;

  var box = link.querySelector("[data-unread]");
  var number = link.querySelector("[data-unread-count]");
  var announcer = document.getElementById("notifications-announcer");
  var FORBIDDEN = 4403;
  var HEARTBEAT_MS = 25000;
  var unread = parseInt(number ? number.textContent : "0", 10) || 0;
  var socket = null;
  var attempts = 0;
  var heartbeat = null;
  var stopped = false;

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

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + link.dataset.notificationsSocket);
    socket.addEventListener("open", function () {
      link.dataset.state = "open";
      attempts = 0;
      heartbeat = window.setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
      }, HEARTBEAT_MS);
    });
    socket.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event && (event.type === "notifications.unread" || event.type === "pong")) {
        show(event.unread);
      }
    });
    socket.addEventListener("close", function (event) {
      link.dataset.state = "closed";
      window.clearInterval(heartbeat);
      if (event.code === FORBIDDEN || stopped) return;
      attempts += 1;
      // Exponential backoff with jitter, at most 30 s.
      var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(attempts, 5)));
      window.setTimeout(connect, delay / 2 + Math.random() * delay / 2);
    });
  }

  window.addEventListener("pagehide", function () {
    stopped = true;
    if (socket) socket.close();
  });
  window.addEventListener("pageshow", function (event) {
    // Back from the browser's page cache: connect again.
    if (event.persisted && stopped) {
      stopped = false;
      connect();
    }
  });

  connect();
})();
