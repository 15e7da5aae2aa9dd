// Small progressive enhancements; every page works without them.
(function () {
  function showAuthFields(select) {
    var form = select.form;
    form.querySelectorAll("[data-auth]").forEach(function (field) {
      var shown = field.getAttribute("data-auth").split(" ").indexOf(select.value) >= 0;
      field.hidden = !shown;
      field.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !shown; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-auth-select]").forEach(function (select) {
      showAuthFields(select);
      select.addEventListener("change", function () { showAuthFields(select); });
    });
    document.querySelectorAll("select[data-reload-technology]").forEach(function (select) {
      select.addEventListener("change", function () {
        window.location = window.location.pathname + "?technology=" + encodeURIComponent(select.value);
      });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // One open "more actions" menu at a time; Escape closes it.
    document.addEventListener("toggle", function (event) {
      var opened = event.target;
      if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.classList.contains("menu")) { return; }
      document.querySelectorAll("details.menu[open]").forEach(function (other) { if (other !== opened) { other.open = false; } });
    }, true);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      document.querySelectorAll("details.menu[open]").forEach(function (menu) { menu.open = false; menu.querySelector("summary").focus(); });
    });
  });
})();
