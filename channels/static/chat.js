/* ATL311 web chat widget: vanilla JS, no build step.
 *
 * The session id is issued by the server (POST /webchat/session: 128 random
 * bits; a browser on plain HTTP has no crypto.randomUUID) and kept in
 * localStorage; the server keeps the transcript, so a reload (or a new tab)
 * shows the conversation again. The transcript is fetched with the id in the
 * X-Chat-Session header, never in the URL. Each message carries an id made
 * here, so a resend after a network error is not processed twice.
 * When the server answers "pending" (the assistant is slow or down) the widget
 * polls the transcript until the real reply arrives.
 *
 * Languages: the page embeds every text in each catalog language (#chat-texts,
 * from channels/webchat.py's WIDGET_TEXTS and the gettext catalogs). The widget
 * speaks the language chosen with the header's switch (kept in localStorage),
 * else the browser's first language the catalog has, else the default; every
 * message tells the server that language (``language``), which passes it to the
 * assistant.
 */
(function () {
  "use strict";
  var KEY = "atl311.session";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var typing = document.getElementById("typing");
  var errorBox = document.getElementById("error");
  var locationButton = document.getElementById("location");
  var lastEntryId = 0;
  var pollTimer = null;

  var LANG_KEY = "atl311.lang";
  var WIDGET = JSON.parse(document.getElementById("chat-texts").textContent);
  var CODES = WIDGET.languages.map(function (l) { return l.code; });
  var lang = CODES[0];
  var welcomeBubble = null;

  function t(key) {
    var texts = WIDGET.texts[lang] || {};
    return texts[key] || WIDGET.texts[CODES[0]][key] || "";
  }

  function primary(code) { return String(code || "").toLowerCase().split(/[-_]/)[0]; }

  function initialLanguage() {
    var stored = null;
    try { stored = localStorage.getItem(LANG_KEY); } catch (e) { /* private mode */ }
    if (CODES.indexOf(stored) >= 0) return stored;
    var wanted = navigator.languages && navigator.languages.length ?
      navigator.languages : [navigator.language];
    for (var i = 0; i < wanted.length; i++) {
      if (CODES.indexOf(primary(wanted[i])) >= 0) return primary(wanted[i]);
    }
    return CODES[0];
  }

  /* Every page text in ``code``; the conversation's own lines stay as they were written. */
  function applyLanguage(code) {
    lang = code;
    document.documentElement.lang = code;
    document.title = t("title");
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    var labelled = document.querySelectorAll("[data-i18n-label]");
    for (var j = 0; j < labelled.length; j++) {
      labelled[j].setAttribute("aria-label", t(labelled[j].getAttribute("data-i18n-label")));
    }
    var switches = document.querySelectorAll("#language-switch button");
    for (var k = 0; k < switches.length; k++) {
      switches[k].setAttribute("aria-pressed", switches[k].getAttribute("data-lang") === code ? "true" : "false");
    }
    var groups = log.querySelectorAll(".choices");
    for (var g = 0; g < groups.length; g++) groups[g].setAttribute("aria-label", t("choices"));
    if (welcomeBubble) welcomeBubble.textContent = t("welcome");
  }

  document.getElementById("language-switch").addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-lang]") : null;
    if (!button) return;
    var code = button.getAttribute("data-lang");
    if (code === lang) return;
    try { localStorage.setItem(LANG_KEY, code); } catch (e) { /* this page only */ }
    applyLanguage(code);
    // In a conversation already under way the assistant switches only on the resident's
    // word (bot/nlu/language.py): say the language's name, as a resident would.
    if (log.querySelector(".resident")) {
      var name = button.textContent.trim();
      send({ text: name }, name);
    }
  });
  applyLanguage(initialLanguage());

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  var VALID_SESSION = /^[A-Za-z0-9_-]{22,100}$/;
  var session = null;
  try { session = localStorage.getItem(KEY); } catch (e) { /* private mode */ }
  if (session && !VALID_SESSION.test(session)) session = null;  /* an old, short id */

  /* Resolves with the session id, asking the server for one the first time
   * (again on the next message if that request failed). */
  function sessionReady() {
    if (session) return Promise.resolve(session);
    return fetch("/webchat/session", { method: "POST", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (body) {
        session = body.session_id;
        try { localStorage.setItem(KEY, session); } catch (e) { /* works until a reload */ }
        return session;
      });
  }

  function disableOlderChoices() {
    var buttons = log.querySelectorAll(".choices button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  }

  function render(role, message) {
    var item = document.createElement("div");
    item.className = "msg " + role;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    var label = document.createElement("span");
    label.textContent = role === "resident" ? t("you") + " " : "311: ";
    label.style.position = "absolute";
    label.style.left = "-9999px";
    bubble.appendChild(label);
    var words = document.createTextNode(message.text || "");
    bubble.appendChild(words);
    if (message.text) item.appendChild(bubble);
    if (message.image) {
      var img = document.createElement("img");
      img.src = message.image;
      img.alt = t("image");
      item.appendChild(img);
    }
    if (message.buttons && message.buttons.length) {
      disableOlderChoices();
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", t("choices"));
      message.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () {
          disableOlderChoices();
          send({ payload: b.payload, title: b.title }, b.title);
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return words;
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function setBusy(busy) {
    typing.hidden = !busy;
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function sync() {
    var url = "/webchat/messages?after=" + lastEntryId;
    return fetch(url, { headers: { "Accept": "application/json", "X-Chat-Session": session } })
      .then(function (r) { return r.ok ? r.json() : { entries: [] }; })
      .then(function (body) {
        (body.entries || []).forEach(function (e) {
          if (e.id <= lastEntryId) return;  /* two polls may overlap during a live chat */
          /* During a live chat the resident's own lines are already on screen. */
          if (!(liveOpen && e.role === "resident")) render(e.role, e);
          lastEntryId = Math.max(lastEntryId, e.id);
        });
        return body.entries || [];
      });
  }

  function waitForReply(rounds) {
    clearTimeout(pollTimer);
    if (rounds <= 0) { setBusy(false); return; }
    pollTimer = setTimeout(function () {
      sync().then(function (entries) {
        var answered = entries.some(function (e) { return e.role === "assistant"; });
        if (answered) setBusy(false); else waitForReply(rounds - 1);
      }).catch(function () { waitForReply(rounds - 1); });
    }, 2000);
  }

  var RESEND_WAITS_MS = [1000, 2000, 4000, 8000, 15000];

  function send(fields, shown) {
    var body = { message_id: newId(), language: lang };
    Object.keys(fields).forEach(function (k) { body[k] = fields[k]; });
    render("resident", { text: shown });
    showError("");
    setBusy(true);
    var attempt = function (left) {
      return sessionReady().then(function () {
        body.session_id = session;
        return fetch("/webchat/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(body)
        });
      }).then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      }).catch(function (err) {
        // The same message_id makes a resend safe: the server answers it once. The
        // waits grow (1, 2, 4, 8, 15 s) so a brief outage of ours loses nothing.
        if (left <= 0) throw err;
        var wait = RESEND_WAITS_MS[RESEND_WAITS_MS.length - left];
        return new Promise(function (ok) { setTimeout(ok, wait); }).then(function () {
          return attempt(left - 1);
        });
      });
    };
    attempt(RESEND_WAITS_MS.length).then(function (reply) {
      if (reply.duplicate) { return sync().then(function () { setBusy(false); }); }
      if (liveOpen) {
        /* The agent's lines may have arrived meanwhile: take everything in transcript order. */
        return sync().then(function () { setBusy(false); watchLiveChat(); });
      }
      (reply.messages || []).forEach(function (m) { render("assistant", m); });
      if (reply.last_entry_id) lastEntryId = Math.max(lastEntryId, reply.last_entry_id);
      if (reply.pending) waitForReply(60); else setBusy(false);
      watchLiveChat();
    }).catch(function () {
      setBusy(false);
      showError(t("send_error"));
    }).then(function () { input.focus(); });
  }

  /* While a live chat with an agent is open (channels/livechat.py), fetch the
   * agent's lines from the transcript every 2 s; stop when it is over. */
  var liveTimer = null;
  var liveOpen = false;
  function watchLiveChat() {
    clearTimeout(liveTimer);
    fetch("/webchat/live-chat", { headers: { "Accept": "application/json", "X-Chat-Session": session } })
      .then(function (r) { return r.ok ? r.json() : { status: "none" }; })
      .then(function (body) {
        if (body.status !== "unknown") liveOpen = body.status !== "none";
        return sync().then(function () {
          if (body.status !== "none") liveTimer = setTimeout(watchLiveChat, 2000);
        });
      })
      .catch(function () { liveTimer = setTimeout(watchLiveChat, 5000); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { input.focus(); return; }
    input.value = "";
    send({ text: text }, text);
  });

  locationButton.addEventListener("click", function () {
    if (!navigator.geolocation) {
      showError(t("no_geolocation"));
      return;
    }
    navigator.geolocation.getCurrentPosition(function (pos) {
      send({ location: { lat: pos.coords.latitude, long: pos.coords.longitude } },
        "📍 " + t("my_location"));
    }, function () {
      showError(t("location_failed"));
    }, { timeout: 10000 });
  });

  sessionReady().then(sync).then(function (entries) {
    if (!entries.length) {
      welcomeBubble = render("assistant", { text: t("welcome") });
    }
    watchLiveChat();
  }).catch(function () { /* the first message will still work */ });
})();
