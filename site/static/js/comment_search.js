/* The comment search in the admin (search/admin/search.html): names are
   suggested in the author field as the moderator types, from
   /admin/search/comments/authors/. Without JavaScript the field takes the
   name as typed; the page does not depend on this. */
(function () {
  "use strict";
  var list = document.querySelector("[data-author-names]");
  var field = document.getElementById("id_author_name");
  if (!list || !field) {
    return;
  }
  var url = list.getAttribute("data-author-names");
  var timer = null;
  var asked = "";

  function fill(names) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    });
  }

  function suggest() {
    var typed = field.value.trim();
    if (typed.length < 2 || typed === asked) {
      return;
    }
    asked = typed;
    fetch(url + "?q=" + encodeURIComponent(typed), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { names: [] };
      })
      .then(function (data) {
        if (field.value.trim() === typed) {
          fill(data.names || []);
        }
      })
      .catch(function () {
        /* No suggestions: the field still works as typed. */
      });
  }

  field.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 250);
  });
})();
