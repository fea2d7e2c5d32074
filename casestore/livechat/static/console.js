/* The live chat console: polls the chat's new lines (the page works without it: reload). */
(function () {
  var list = document.getElementById("live-messages");
  var labels = { resident: "Resident", agent: "Agent", system: "Sent automatically" };
  var statusBox = document.getElementById("chat-status");
  function poll() {
    fetch(list.dataset.url + "?after=" + list.dataset.after, { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return;
        body.messages.forEach(function (m) {
          var item = document.createElement("li");
          item.className = "live-" + m.sender;
          var who = document.createElement("strong");
          who.textContent = labels[m.sender] + ":";
          item.appendChild(who);
          item.appendChild(document.createTextNode(" "));
          // A photo the resident sent links the staff photo route (parts come from the server).
          (m.parts || [{ text: m.text }]).forEach(function (part) {
            if (part.href) {
              var link = document.createElement("a");
              link.href = part.href;
              link.target = "_blank";
              link.rel = "noopener";
              link.textContent = part.text;
              item.appendChild(link);
            } else {
              item.appendChild(document.createTextNode(part.text));
            }
          });
          list.appendChild(item);
          list.dataset.after = m.id;
        });
        if (body.status !== statusBox.dataset.status) {
          statusBox.dataset.status = body.status;
          statusBox.appendChild(document.createTextNode(" · now " + body.status));
        }
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
})();
