/* Puente: the consultation page's forms, in place.
 *
 * The page works without this file: every form posts and the page comes
 * back at the form or comment, with its message there. With it, posting,
 * replying, reacting, editing, deleting and reporting happen without a
 * reload. Each form is sent with the header X-Puente-Fragment: 1 and the
 * server answers with the piece of page that changed, drawn by the page's
 * own templates (core.fragments): the comment, or the form with its errors.
 * This file only swaps it in, moves focus to the new comment or to the
 * error, and says what happened in the polite status region next to the
 * form. An answer that is not a fragment (a sign-in page, a CSRF refusal)
 * makes it send the form the plain way. */
(function () {
  "use strict";
  var HEADER = "X-Puente-Fragment";

  // Confirmation before deleting (with or without the rest of this file).
  document.addEventListener("click", function (event) {
    var confirmButton = event.target.closest("[data-confirm]");
    if (confirmButton && !window.confirm(confirmButton.dataset.confirm)) event.preventDefault();
  });

  var config = document.getElementById("live-config");
  if (!config || !window.fetch || !window.FormData) return;
  var text = config.dataset;
  var maxDepth = parseInt(text.maxDepth, 10) || 3;

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function say(region, message) {
    if (!region || !message) return;
    region.textContent = "";
    // A change the screen reader notices, even for the same words twice.
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  function focusOn(element) {
    if (!element) return;
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  function discussionStatus(element) {
    var section = element && element.closest(".discussion");
    return section && document.getElementById("status-" + section.dataset.anchor);
  }

  function commentStatus(id) {
    return document.getElementById("status-comment-" + id);
  }

  // The text of a fragment's notice, taken out of it: the status region says it.
  function takeNotice(root) {
    var notice = root.querySelector("[data-notice]");
    if (!notice) return "";
    var said = notice.textContent.trim();
    notice.remove();
    return said;
  }

  function bumpCount(section, by) {
    var title = section && section.querySelector(".discussion__title");
    if (!title) return;
    var count = Math.max(0, (parseInt(title.dataset.count, 10) || 0) + by);
    title.dataset.count = String(count);
    title.textContent = count === 1 ? text.countOne : text.countMany.replace("%(count)s", String(count));
  }

  function fetchFragment(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = {};
    options.headers[HEADER] = "1";
    return fetch(url, options).then(function (response) {
      if (response.headers.get(HEADER) !== "1") return { plain: true, status: response.status };
      return response.text().then(function (html) {
        return { status: response.status, content: parse(html) };
      });
    });
  }

  // While a form is being sent it ignores more submits; its buttons stay
  // enabled, so that focus stays where the person left it.
  function busy(form, on) {
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  // When it was too soon: the button waits as long as the server said.
  function waitToRetry(form) {
    var button = form.querySelector("[data-retry-after]");
    if (!button) return;
    var seconds = parseInt(button.dataset.retryAfter, 10) || 1;
    button.disabled = true;
    button.dataset.waiting = "1";
    window.setTimeout(function () {
      button.disabled = false;
      delete button.dataset.waiting;
      button.removeAttribute("data-retry-after");
      say(discussionStatus(form) || form.parentElement.querySelector(".form-status"), button.dataset.ready);
    }, seconds * 1000);
  }

  function plainSubmit(form, submitter) {
    if (submitter && submitter.name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = submitter.name;
      input.value = submitter.value;
      form.appendChild(input);
    }
    form.submit();
  }

  function failed(form) {
    busy(form, false);
    say(discussionStatus(form), text.error);
  }

  function send(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    busy(form, true);
    fetchFragment(form.action, { method: "POST", body: data })
      .then(function (answer) {
        busy(form, false);
        if (answer.plain) {
          if (answer.status >= 500) failed(form);
          else plainSubmit(form, submitter);
          return;
        }
        var kind = form.dataset.fragment;
        if (kind === "post") posted(form, answer);
        else if (kind === "flag") reported(form, answer);
        else changed(form, submitter, answer);
      })
      .catch(function () { failed(form); });
  }

  // A form came back with its errors: it takes the old one's place.
  function showErrors(form, newForm, region) {
    form.replaceWith(newForm);
    var summary = newForm.querySelector(".error-summary");
    waitToRetry(newForm);
    if (summary) {
      focusOn(summary);
      say(region, summary.querySelector("ul").textContent.trim());
    }
  }

  function card(li) {
    return li.querySelector(".comment__card");
  }

  // The comment's card (and its look) from a fragment; its replies stay.
  function replaceCard(li, fresh) {
    card(li).replaceWith(card(fresh));
    li.className = fresh.className;
    li.dataset.status = fresh.dataset.status;
    // A comment live.js drew has neither its status region nor its note yet.
    var region = li.querySelector(":scope > .form-status");
    if (!region) {
      region = fresh.querySelector(":scope > .form-status");
      if (region) card(li).after(region);
    }
    var note = fresh.querySelector(":scope > .posted-note");
    if (note && region && !li.querySelector(":scope > .posted-note")) region.after(note);
  }

  // Post or reply --------------------------------------------------------
  function posted(form, answer) {
    var reply = form.dataset.parent;
    var region = reply ? commentStatus(reply) : discussionStatus(form);
    if (answer.status !== 201) {
      var newForm = answer.content.querySelector("form");
      if (newForm) showErrors(form, newForm, region);
      else failed(form);
      return;
    }
    var li = answer.content.querySelector("li.comment");
    var said = takeNotice(li);
    var section = form.closest(".discussion");
    // live.js may hold the same comment behind its "show" button: it lets go.
    document.dispatchEvent(new CustomEvent("puente:comment-shown", { detail: { id: li.dataset.commentId } }));
    var existing = document.getElementById(li.id);
    if (existing) {
      // The live socket was quicker: the server's drawing replaces its own.
      replaceCard(existing, li);
      li = existing;
    } else {
      var list = section.querySelector("[data-thread-list]");
      if (reply) {
        var parentLi = document.getElementById("comment-" + reply);
        var level = parseInt(parentLi.dataset.level, 10) || 1;
        list = level > maxDepth ? parentLi.parentElement : parentLi.querySelector('[data-replies-of="' + reply + '"]');
      }
      list.hidden = false;
      list.appendChild(li);
      bumpCount(section, 1);
    }
    if (reply) {
      closeReply(form.closest(".comment__reply"), false);
    } else {
      form.reset();
      var summary = form.querySelector(".error-summary");
      if (summary) summary.remove();
      form.querySelector("textarea").removeAttribute("aria-invalid");
    }
    focusOn(card(li));
    say(region, said);
  }

  // Reply form, in place ------------------------------------------------
  function mainForm(section) {
    return section && document.getElementById("form-" + section.dataset.anchor);
  }

  function closeReply(holder, focusLink) {
    if (!holder) return;
    var li = holder.closest("li.comment");
    var link = li && card(li).querySelector(".comment__reply-link");
    var section = holder.closest(".discussion");
    holder.remove();
    var main = mainForm(section);
    if (main) main.hidden = false;
    if (link) {
      link.hidden = false;
      if (focusLink) link.focus();
    }
  }

  function openReply(link) {
    document.querySelectorAll(".comment__reply[data-opened]").forEach(function (holder) {
      closeReply(holder, false);
    });
    fetchFragment(link.dataset.formUrl).then(function (answer) {
      var form = answer.plain ? null : answer.content.querySelector("form");
      if (!form) {
        window.location.href = link.href;
        return;
      }
      var holder = document.createElement("div");
      holder.className = "comment__reply";
      holder.dataset.opened = "1";
      holder.appendChild(form);
      link.after(holder);
      link.hidden = true;
      var main = mainForm(link.closest(".discussion"));
      if (main) main.hidden = true;
      // The comment answered stays in view, the form right below it.
      form.querySelector("textarea").focus({ preventScroll: true });
      form.scrollIntoView({ block: "nearest" });
    }).catch(function () { window.location.href = link.href; });
  }

  // Edit, delete, react --------------------------------------------------
  function changed(form, submitter, answer) {
    var li = form.closest("li.comment");
    var id = li.dataset.commentId;
    var region = commentStatus(id);
    var gone = answer.content.querySelector("[data-gone]");
    if (gone) {
      var section = li.closest(".discussion");
      var said = takeNotice(gone);
      li.remove();
      bumpCount(section, -1);
      focusOn(section.querySelector(".discussion__title"));
      say(discussionStatus(section.querySelector(".discussion__title")), said);
      return;
    }
    var fresh = answer.content.querySelector("li.comment");
    if (!fresh) {
      failed(form);
      return;
    }
    var notice = takeNotice(fresh);
    replaceCard(li, fresh);
    var summary = card(li).querySelector(".error-summary");
    if (summary) {
      focusOn(summary);
      say(region, summary.querySelector("ul").textContent.trim());
      return;
    }
    var again = submitter && submitter.name === "stance"
      ? card(li).querySelector('button[name="stance"][value="' + submitter.value + '"]')
      : null;
    focusOn(again || card(li));
    say(region, notice);
  }

  // Report ---------------------------------------------------------------
  function closeFlag(panel, focusLink) {
    var link = document.querySelector('[data-flag-panel="' + panel.id + '"]');
    panel.remove();
    if (link) {
      link.setAttribute("aria-expanded", "false");
      if (focusLink) link.focus();
    }
  }

  function openFlag(link) {
    var open = document.getElementById(link.dataset.flagPanel);
    if (open) {
      closeFlag(open, true);
      return;
    }
    var li = link.closest("li.comment");
    fetchFragment(link.href).then(function (answer) {
      if (answer.plain) {
        window.location.href = link.href;
        return;
      }
      var done = answer.content.querySelector("[data-flag-done]");
      if (done) {
        say(commentStatus(li.dataset.commentId), takeNotice(done));
        return;
      }
      var panel = answer.content.querySelector(".flag-panel");
      link.after(panel);
      link.setAttribute("aria-expanded", "true");
      link.setAttribute("aria-controls", panel.id);
      focusOn(panel.querySelector(".flag-panel__title"));
    }).catch(function () { window.location.href = link.href; });
  }

  function reported(form, answer) {
    var panel = form.closest(".flag-panel");
    var li = form.closest("li.comment");
    var region = commentStatus(li.dataset.commentId);
    var again = answer.content.querySelector(".flag-panel");
    if (again) {
      panel.replaceWith(again);
      var summary = again.querySelector(".error-summary");
      focusOn(summary);
      if (summary) say(region, summary.querySelector("ul").textContent.trim());
      return;
    }
    var done = answer.content.querySelector("[data-flag-done]");
    closeFlag(panel, false);
    focusOn(card(li));
    say(region, done ? takeNotice(done) : text.error);
  }

  // Wiring -----------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-fragment]") || event.defaultPrevented) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    send(form, event.submitter);
  });

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var replyLink = event.target.closest(".comment__reply-link[data-form-url]");
    if (replyLink) {
      event.preventDefault();
      openReply(replyLink);
      return;
    }
    var cancel = event.target.closest("[data-cancel-reply]");
    if (cancel && cancel.closest(".comment__reply[data-opened]")) {
      event.preventDefault();
      closeReply(cancel.closest(".comment__reply"), true);
      return;
    }
    var flagLink = event.target.closest(".comment__report-link[data-flag-panel]");
    if (flagLink) {
      event.preventDefault();
      openFlag(flagLink);
      return;
    }
    var flagCancel = event.target.closest("[data-flag-cancel]");
    if (flagCancel) closeFlag(flagCancel.closest(".flag-panel"), true);
  });

  document.querySelectorAll("form[data-fragment]").forEach(waitToRetry);
  document.querySelectorAll(".comment__report-link[data-flag-panel]").forEach(function (link) {
    link.setAttribute("aria-expanded", "false");
  });
})();
