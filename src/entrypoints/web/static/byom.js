/* Busy feedback for forms that wait on a provider, and no second submit while one runs.
 *
 * A form marked data-busy="Checking with {provider}…" shows that text in its .busy status
 * line and disables its buttons until the answer arrives; a second submit (a double click,
 * Enter pressed twice) is dropped. {provider} is the form's provider select, if it has one.
 * Works for plain posts and for htmx requests. Served from /static: the CSP allows no
 * inline script. Without JavaScript the forms still work, only without this feedback.
 */
(function () {
  "use strict";

  function busyText(form) {
    var text = form.getAttribute("data-busy") || "Working…";
    var select = form.querySelector("select[name=provider]");
    if (select && select.selectedIndex >= 0) {
      text = text.replace("{provider}", select.options[select.selectedIndex].text);
    }
    return text;
  }

  function start(form) {
    form.setAttribute("data-busy-now", "");
    form.setAttribute("aria-busy", "true");
    var status = form.querySelector(".busy");
    if (status) {
      status.textContent = busyText(form);
    }
    // After this turn of the event loop: a button disabled now would drop its own
    // name=value from the form data being sent.
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) {
        if (!button.disabled) {
          button.disabled = true;
          button.setAttribute("data-busy-disabled", "");
        }
      });
    }, 0);
  }

  function stop(form) {
    form.removeAttribute("data-busy-now");
    form.removeAttribute("aria-busy");
    var status = form.querySelector(".busy");
    if (status) {
      status.textContent = "";
    }
    form.querySelectorAll("button[data-busy-disabled]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("data-busy-disabled");
    });
  }

  function busyForm(element) {
    var form = element && element.closest ? element.closest("form[data-busy]") : null;
    return form;
  }

  document.addEventListener("submit", function (event) {
    var form = busyForm(event.target);
    if (!form) {
      return;
    }
    if (form.hasAttribute("data-busy-now")) {
      event.preventDefault();
      return;
    }
    if (!event.defaultPrevented) {
      start(form);
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = busyForm(event.target);
    if (!form) {
      return;
    }
    if (form.hasAttribute("data-busy-now")) {
      event.preventDefault();
      return;
    }
    start(form);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = busyForm(event.target);
    if (form) {
      stop(form);
    }
  });

  // Back/forward cache: a page left while busy comes back usable.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-busy-now]").forEach(stop);
    }
  });
})();
