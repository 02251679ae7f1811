/* The drafting page, enhanced (everything works without it): fields shown only for the document types that print
   them; the recipients' lists filtered as one types, with "select all" for what is shown. */
(function () {
  "use strict";

  function typeAware(form) {
    var select = form.querySelector("select[name=doc_type]");
    if (!select) return;
    var wrappers = form.querySelectorAll("[data-doc-types]");
    function update() {
      wrappers.forEach(function (wrapper) {
        var printed = wrapper.getAttribute("data-doc-types").split(" ").indexOf(select.value) >= 0;
        var input = wrapper.querySelector("textarea, input, select");
        var filled = !!input && input.value.trim() !== "";
        // A field with content is never hidden: the author sees it and the note, and decides.
        wrapper.hidden = !printed && !filled;
        var note = wrapper.querySelector(".draft-field__not-printed");
        if (note) note.hidden = printed || !filled;
      });
    }
    select.addEventListener("change", update);
    wrappers.forEach(function (wrapper) {
      wrapper.addEventListener("input", update);
    });
    update();
  }

  function init() {
    document.querySelectorAll("form.dispatch-draft-form").forEach(function (form) {
      if (form.dataset.enhanced) return;
      form.dataset.enhanced = "1";
      typeAware(form);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("turbo:load", init);
})();
