/* Muster's few behaviours, as a static file: the Content-Security-Policy (script-src 'self')
   refuses inline scripts and on*= attributes. Every page works without it. */
"use strict";

/* <select data-autosubmit>: submit its form as soon as a choice is made (a <noscript>
   button does the same without JavaScript). */
document.addEventListener("change", function (event) {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit();
  }
});
