/* Puente live threads: one websocket per consultation page.
 *
 * The page works without this file. With it, new comments, edits, deletions
 * and reaction counts arrive without a reload. The client remembers the last
 * cursor it applied; after a reconnect it asks the JSON API for everything
 * after it, so nothing is missed and nothing is shown twice. New comments in
 * a discussion the reader is not in wait behind an "N new comments — show"
 * button, announced politely, so the page never jumps or steals focus.
 *
 * Reconnecting follows reconnect.js (loaded first): retries spread at
 * random (the first within 0.5-3 s, then up to 30 s), the close code
 * deciding the rest, at once when back online or back to the tab. The state
 * is in #live-config's data-state ("connecting", "open", "waiting",
 * "offline", "idle", "stopped", "closed"), the connections tried in
 * data-attempts and the wait before the next in data-retry-ms. */
(function () {
  "use strict";
  var config = document.getElementById("live-config");
  var template = document.getElementById("comment-template");
  if (!config || !template || !("WebSocket" in window) || !window.PuenteReconnect) return;

  var text = config.dataset;
  var cursor = parseInt(text.cursor, 10) || 0;
  var announcer = document.getElementById("live-announcer");
  var pending = {}; // anchor key -> [li elements waiting behind the button]
  var catchingUp = null;

  var ANNOUNCE_AFTER_MS = 2000; // a short break is not announced
  // How long an open socket may take to send its catch-up frame before the
  // page asks the JSON API instead.
  var CATCH_UP_WAIT_MS = 5000;
  var live = null; // the connection (reconnect.js)
  var lostTimer = null;
  var catchUpTimer = null;
  var lostAnnounced = false;
  var resumed = ""; // "live updates resumed", said with what the catch-up brings
  var catchUpRetries = 0;

  function announce(message) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  function plural(one, many, count) {
    return count === 1 ? one : many.replace("%(count)s", String(count));
  }

  function anchorKey(comment) {
    if (comment.question) return "question-" + comment.question;
    if (comment.section) return "section-" + comment.section;
    return "general";
  }

  // The date as the server writes it (DATETIME_FORMAT of the page's
  // language, in the site's time zone: comment_tags.datetime_display), so
  // that a comment shown live reads like the ones around it.
  var months = (text.months || "").split("|");
  var meridiem = (text.meridiem || "a.m.|p.m.|AM|PM").split("|");

  function inSiteZone(date) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: text.timeZone || undefined,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric"
    }).formatToParts(date).forEach(function (part) { parts[part.type] = parseInt(part.value, 10); });
    return { Y: parts.year, n: parts.month, j: parts.day, G: parts.hour % 24, i: parts.minute, s: parts.second };
  }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function formatTime(iso) {
    var date = new Date(iso);
    var format = text.datetimeFormat;
    if (isNaN(date.getTime()) || !format) return iso;
    var t;
    try { t = inSiteZone(date); } catch (e) { return iso; }
    var hour12 = t.G % 12 || 12;
    var pieces = {
      d: pad(t.j), j: t.j, m: pad(t.n), n: t.n, F: months[t.n - 1], Y: t.Y, y: pad(t.Y % 100),
      H: pad(t.G), G: t.G, h: pad(hour12), g: hour12, i: pad(t.i), s: pad(t.s),
      a: t.G < 12 ? meridiem[0] : meridiem[1], A: t.G < 12 ? meridiem[2] : meridiem[3]
    };
    var out = "";
    for (var i = 0; i < format.length; i += 1) {
      var c = format.charAt(i);
      if (c === "\\") {
        i += 1;
        out += format.charAt(i);
      } else {
        out += Object.prototype.hasOwnProperty.call(pieces, c) ? String(pieces[c]) : c;
      }
    }
    return out;
  }

  // The discussion's heading counts what it holds, live arrivals included.
  function bumpCount(key, by) {
    var section = document.getElementById("discussion-" + key);
    var title = section && section.querySelector(".discussion__title");
    if (!title) return;
    var count = Math.max(0, (parseInt(title.dataset.count, 10) || 0) + (by || 1));
    title.dataset.count = String(count);
    title.textContent = count === 1 ? text.countOne : text.countMany.replace("%(count)s", String(count));
  }

  // "2 new comments in “Question”." for each discussion that received some.
  function announceAdded(added) {
    var said = Object.keys(added).map(function (key) {
      var section = document.getElementById("discussion-" + key);
      var title = section ? section.dataset.title : "";
      return plural(text.announceOne, text.announceMany, added[key]).replace("%(title)s", title);
    });
    if (resumed) said.unshift(resumed);
    resumed = "";
    if (said.length) announce(said.join(" "));
  }

  // What a comment that is not published shows instead of its text.
  function tombstone(status) {
    if (status === "hidden") return text.hidden;
    if (status === "removed") return text.removed;
    return text.deleted;
  }

  function fill(li, comment) {
    var deleted = comment.status !== "published";
    // The comment's own card: its replies (in the list after it) have theirs.
    var card = li.querySelector(".comment__card");
    li.dataset.status = comment.status;
    li.classList.toggle("comment--deleted", deleted);
    // A held comment its author saw ("awaiting review") has been decided.
    li.classList.remove("comment--held");
    var mark = card.querySelector(".comment__held-mark");
    if (mark) mark.remove();
    var note = card.querySelector(".comment__moderated-note");
    if (note && !deleted) note.remove();
    card.querySelector(".comment__author").textContent = deleted ? tombstone(comment.status) : comment.author;
    // body_html is sanitised by the server (nh3): paragraphs and safe links only.
    card.querySelector(".comment__body").innerHTML = deleted ? "" : comment.body_html;
    var edited = card.querySelector(".comment__edited");
    if (edited) edited.hidden = deleted || !comment.edited;
    var reactions = card.querySelector(".reactions");
    if (!reactions && !deleted) {
      // A tombstone restored by a moderator: counts like a new comment's.
      reactions = template.content.querySelector(".reactions").cloneNode(true);
      card.querySelector(".comment__body").after(reactions);
    }
    if (reactions) {
      reactions.hidden = deleted;
      ["agree", "disagree", "pass"].forEach(function (stance) {
        var count = reactions.querySelector('[data-count="' + stance + '"]');
        if (count) count.textContent = String(comment.reactions[stance]);
      });
    }
    // No replying to, reporting or editing what is no longer shown.
    [".comment__reply-link", ".comment__report-link", ".comment__reply", ".comment__own"].forEach(
      function (selector) {
        var control = card.querySelector(selector);
        if (control) control.hidden = deleted;
      }
    );
  }

  function build(comment) {
    var li = template.content.firstElementChild.cloneNode(true);
    li.id = "comment-" + comment.id;
    li.dataset.commentId = String(comment.id);
    li.querySelector("ol").dataset.repliesOf = String(comment.id);
    var time = li.querySelector("time");
    time.setAttribute("datetime", comment.created);
    time.textContent = formatTime(comment.created);
    fill(li, comment);
    return li;
  }

  function readerIsIn(section) {
    return section.contains(document.activeElement);
  }

  function showPending(key) {
    var section = document.getElementById("discussion-" + key);
    var items = pending[key] || [];
    pending[key] = [];
    var list = section.querySelector("[data-thread-list]");
    items.forEach(function (li) { list.appendChild(li); });
    var box = section.querySelector(".discussion__new");
    box.hidden = true;
    // Nothing waits any more: no stale "0 new" left for the next reader.
    box.querySelector("button").textContent = "";
    if (items.length) {
      items[0].setAttribute("tabindex", "-1");
      items[0].focus();
    }
  }

  function updateNewButton(key) {
    var section = document.getElementById("discussion-" + key);
    var box = section.querySelector(".discussion__new");
    var count = (pending[key] || []).length;
    box.hidden = count === 0;
    box.querySelector("button").textContent = plural(text.newOne, text.newMany, count);
  }

  // A comment already on the page, or waiting behind a "show" button.
  function find(id) {
    var li = document.getElementById("comment-" + id);
    if (li) return li;
    var found = null;
    Object.keys(pending).forEach(function (key) {
      pending[key].forEach(function (item) {
        if (item.dataset.commentId === String(id)) found = item;
        else found = found || item.querySelector('[data-comment-id="' + id + '"]');
      });
    });
    return found;
  }

  // The anchor key of the discussion a new comment went into, or null.
  function insert(comment) {
    // Already shown (its author's held comment, now approved, or one caught
    // up twice): updated in place, never shown twice.
    if (find(comment.id)) {
      update(comment);
      return null;
    }
    var key = anchorKey(comment);
    var li = build(comment);
    if (comment.parent) {
      // The parent may itself be waiting behind a "show" button.
      var parentLi = find(comment.parent);
      if (!parentLi) return null; // its thread is not on this page
      // Below the display depth, replies are shown flat after their holder.
      var flat = (parseInt(parentLi.dataset.level, 10) || 1) > (parseInt(text.maxDepth, 10) || 3);
      var replies = flat ? parentLi.parentElement : parentLi.querySelector('[data-replies-of="' + comment.parent + '"]');
      if (!replies) return null;
      replies.hidden = false;
      replies.appendChild(li);
      bumpCount(key);
      return key;
    }
    var section = document.getElementById("discussion-" + key);
    if (!section) return null;
    bumpCount(key);
    if (readerIsIn(section)) {
      section.querySelector("[data-thread-list]").appendChild(li);
      return key;
    }
    (pending[key] = pending[key] || []).push(li);
    updateNewButton(key);
    return key;
  }

  function update(comment) {
    var li = find(comment.id);
    if (li) fill(li, comment);
  }

  function apply(event) {
    if (typeof event.cursor !== "number" || event.cursor <= cursor) return null;
    if (event.cursor > cursor + 1) {
      // Something between our cursor and this event never reached us (the
      // channel layer was down, or two servers raced): fetch it all in order.
      catchUp();
      return null;
    }
    cursor = event.cursor;
    if (event.type === "comment.created") return insert(event.comment);
    update(event.comment);
    return null;
  }

  function applyBatch(events) {
    var added = {};
    events.forEach(function (event) {
      var key = apply(event);
      if (key) added[key] = (added[key] || 0) + 1;
    });
    announceAdded(added);
  }

  function catchUp() {
    // One catch-up at a time; a gap seen meanwhile is covered by the next.
    if (catchingUp) {
      catchingUp.again = true;
      return catchingUp.promise;
    }
    catchingUp = { again: false };
    catchingUp.promise = fetchAfter().then(function () {
      var again = catchingUp.again;
      catchingUp = null;
      if (again) return catchUp();
    });
    return catchingUp.promise;
  }

  function fetchAfter() {
    // Everything after our cursor, page by page (the API caps each answer).
    return fetch(text.api + "?after=" + cursor, { credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) return response.json();
        if (response.status >= 500 || response.status === 429) throw new Error("later");
        return null;
      })
      .then(function (data) {
        if (!data) return;
        catchUpRetries = 0;
        applyCaughtUp(data);
        if (data.results.length >= 500) return fetchAfter();
      })
      .catch(function () {
        // The server busy or restarting: again in a few seconds while the
        // socket is open (a few times; the next pong or reconnect also does).
        if (catchUpRetries >= 5) return;
        catchUpRetries += 1;
        window.setTimeout(function () {
          if (live.isOpen()) catchUp();
        }, window.PuenteReconnect.spread(1000, 5000));
      });
  }

  function applyCaughtUp(data) {
    // Upserts by id: a comment already shown is updated, a new one inserted.
    var added = {};
    data.results.forEach(function (comment) {
      if (find(comment.id)) {
        update(comment);
        return;
      }
      var key = comment.status === "published" ? insert(comment) : null;
      if (key) added[key] = (added[key] || 0) + 1;
    });
    cursor = Math.max(cursor, data.next_cursor);
    announceAdded(added);
  }

  function lost() {
    // Announced once, if the break lasts: never on every retry.
    window.clearTimeout(lostTimer);
    lostTimer = window.setTimeout(function () {
      lostAnnounced = true;
      announce(text.reconnecting);
    }, ANNOUNCE_AFTER_MS);
  }

  function opened(ws) {
    window.clearTimeout(lostTimer);
    resumed = lostAnnounced ? text.reconnected : "";
    lostAnnounced = false;
    // The catch-up comes as the socket's first frame; a server that does
    // not send it (an older one, mid-upgrade) is asked over HTTP.
    window.clearTimeout(catchUpTimer);
    catchUpTimer = window.setTimeout(function () {
      if (live.socket() !== ws) return;
      catchUp().then(function () {
        if (resumed) announceAdded({});
      });
    }, CATCH_UP_WAIT_MS);
  }

  function received(event) {
    if (event.type === "live.catch_up" && event.results) {
      window.clearTimeout(catchUpTimer);
      applyCaughtUp(event);
      if (event.results.length >= 500) catchUp(); // more than one answer holds
    } else if (event.type === "pong") {
      // The pong carries the consultation's cursor: a quiet page still
      // learns of events lost while the server's channel layer was away.
      if (event.cursor > cursor) catchUp();
    } else if (event.type === "live.resync") {
      // The server's feed was away (Redis was down) and is back.
      catchUp();
    } else if (event.type && event.comment) {
      applyBatch([event]);
    }
  }

  live = window.PuenteReconnect({
    element: config,
    heartbeatMs: 20000,
    open: function () {
      // `after`: the server sends what changed since our cursor (one
      // live.catch_up frame) before any live event.
      return new WebSocket(window.PuenteReconnect.url(
        "/ws/consultations/" + text.consultation + "/?after=" + cursor));
    },
    onOpen: opened,
    onMessage: received,
    onClose: function (code, wasOpen) {
      window.clearTimeout(catchUpTimer);
      if (wasOpen) lost();
    },
    onStop: function () {
      // Not allowed or no longer published: nothing more to say.
      window.clearTimeout(catchUpTimer);
      window.clearTimeout(lostTimer);
    },
    onPark: function () {
      window.clearTimeout(catchUpTimer);
      window.clearTimeout(lostTimer);
    }
  });

  // The page's own forms (forms.js) showed this comment: it no longer waits.
  document.addEventListener("puente:comment-shown", function (event) {
    var id = String(event.detail.id);
    Object.keys(pending).forEach(function (key) {
      var kept = pending[key].filter(function (li) { return li.dataset.commentId !== id; });
      if (kept.length === pending[key].length) return;
      pending[key] = kept;
      updateNewButton(key);
      bumpCount(key, -1);
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".discussion__show-new");
    if (button) showPending(button.closest(".discussion").dataset.anchor);
  });

  live.start();
})();
