// Passkeys (WebAuthn) for staff two-factor sign-in: adds one on the set-up page, uses one on the
// second-step page. The server makes the options (and keeps their challenge in the session); this
// script only passes them to navigator.credentials.create()/get() and posts the answer back as JSON.
// Without JavaScript (or without WebAuthn) the section stays hidden and a sentence says so; the
// authenticator app's code works either way.
(function () {
  "use strict";
  var section = document.querySelector("[data-passkey-ceremony]");
  if (!section) { return; }
  var needsJs = document.getElementById("passkey-needs-js");
  var unsupported = document.getElementById("passkey-unsupported");
  if (needsJs) { needsJs.hidden = true; }
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) {
    if (unsupported) { unsupported.hidden = false; }
    return;
  }
  section.hidden = false;

  var ceremony = section.dataset.passkeyCeremony;
  var form = section.querySelector("form");
  var button = form.querySelector("button[type=submit]");
  var nameInput = document.getElementById("passkey-name");
  var errorBox = document.getElementById("passkey-error");
  var errorMessage = document.getElementById("passkey-error-message");
  var csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  // The page's own words (translated there): data-message-cancelled, -failed and -exists.
  var messages = {
    cancelled: section.dataset.messageCancelled,
    failed: section.dataset.messageFailed,
    exists: section.dataset.messageExists || section.dataset.messageFailed
  };

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) { raw += String.fromCharCode(bytes[i]); }
    return window.btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      var descriptor = { type: item.type, id: fromBase64url(item.id) };
      if (item.transports) { descriptor.transports = item.transports; }
      return descriptor;
    });
  }

  function creationOptions(options) {
    options.challenge = fromBase64url(options.challenge);
    options.user.id = fromBase64url(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return options;
  }

  function requestOptions(options) {
    options.challenge = fromBase64url(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return options;
  }

  function credentialJson(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) { json.response.userHandle = toBase64url(response.userHandle); }
    }
    return json;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.error || messages.failed); }
        return data;
      });
    });
  }

  function showError(text) {
    errorMessage.textContent = text;
    errorBox.hidden = false;
    errorBox.focus();
    // As a form shown again with its errors: the page's title starts with "Error:".
    var prefix = section.dataset.errorTitle;
    if (prefix && document.title.indexOf(prefix) !== 0) { document.title = prefix + " " + document.title; }
  }

  function askAuthenticator(options) {
    if (ceremony === "register") {
      return navigator.credentials.create({ publicKey: creationOptions(options) });
    }
    return navigator.credentials.get({ publicKey: requestOptions(options) });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    button.disabled = true;
    errorBox.hidden = true;
    post(section.dataset.optionsUrl + "?next=" + encodeURIComponent(section.dataset.next || ""))
      .then(function (data) {
        return askAuthenticator(data.options).catch(function (error) {
          // NotAllowedError: the person cancelled, or the browser's wait ran out.
          // InvalidStateError: this authenticator already holds one of the person's passkeys.
          throw new Error(error && error.name === "InvalidStateError" ? messages.exists : messages.cancelled);
        });
      })
      .then(function (credential) {
        var body = { credential: credentialJson(credential) };
        if (nameInput) { body.name = nameInput.value; }
        return post(section.dataset.url + "?next=" + encodeURIComponent(section.dataset.next || ""), body);
      })
      .then(function (data) { window.location.assign(data.redirect); })
      .catch(function (error) {
        button.disabled = false;
        showError(error && error.message ? error.message : messages.failed);
      });
  });
})();
