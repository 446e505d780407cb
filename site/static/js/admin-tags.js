// The page editor's tag fields (Wagtail's jQuery tag-it): the widget hides
// the labelled <input> and types into a new one it adds, which has no name
// for assistive technology (axe: "label", critical). Give that input the
// field's label and help text. Runs for the fields on the page and for the
// ones inline panels add later.
(function () {
  "use strict";

  function labelTagInputs(root) {
    root.querySelectorAll("ul.tagit").forEach(function (list) {
      var typed = list.querySelector(".tagit-new input");
      var hidden = list.previousElementSibling;
      if (!typed || typed.hasAttribute("aria-labelledby") || !hidden || !hidden.id) {
        return;
      }
      var label = document.querySelector('label[for="' + hidden.id + '"]');
      if (label) {
        if (!label.id) {
          label.id = hidden.id + "-label";
        }
        typed.setAttribute("aria-labelledby", label.id);
        // A click on the label goes to the input one types in.
        label.addEventListener("click", function (event) {
          event.preventDefault();
          typed.focus();
        });
      }
      var described = hidden.getAttribute("aria-describedby");
      var help = hidden.parentElement && hidden.parentElement.querySelector("p.help");
      if (help && !described) {
        if (!help.id) {
          help.id = hidden.id + "-tag-help";
        }
        described = help.id;
      }
      if (described) {
        typed.setAttribute("aria-describedby", described);
      }
      typed.setAttribute("autocomplete", "off");
    });
  }

  function start() {
    labelTagInputs(document);
    new MutationObserver(function (changes) {
      if (changes.some(function (c) { return c.addedNodes.length; })) {
        labelTagInputs(document);
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
