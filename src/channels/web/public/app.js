/* The local try-it page: renders the bot's Adaptive Cards with Microsoft's renderer and talks to /api/web/messages. */
(function () {
  'use strict';
  var AC = window.AdaptiveCards;
  var transcript = document.getElementById('transcript');
  var areaSelect = document.getElementById('area');
  var provenanceLine = document.getElementById('provenance');
  var areas = [];
  var busy = false;

  function newId() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9]/g, '').slice(0, 32);
  }
  // The session survives a reload (and the server keeps the conversation), so the user carries on where they were.
  var session = localStorage.getItem('cse.session');
  if (!session) { session = newId(); localStorage.setItem('cse.session', session); }

  // Teams renders the cards' markdown itself; here a small, escaping renderer does the subset the cards use:
  // **bold**, _italic_, [text](tel:|mailto:|https: link), "- " lists and line breaks.
  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function inline(text) {
    return escapeHtml(text)
      .replace(/\[([^\]]+)\]\(((?:tel:|mailto:|https:)[^)\s]+)\)/g, function (_m, label, url) {
        return '<a href="' + url + '"' + (url.indexOf('https:') === 0 ? ' target="_blank" rel="noopener"' : '') + '>' + label + '</a>';
      })
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|\s)_([^_]+)_(?=\s|$|[.,;:])/g, '$1<em>$2</em>');
  }
  function markdown(text) {
    var html = [];
    var list = null;
    text.split(/\r?\n/).forEach(function (line) {
      var item = /^\s*(?:[-*\u2022]|\d+\.)\s+(.*)$/.exec(line);
      if (item) {
        if (!list) { list = []; }
        list.push('<li>' + inline(item[1]) + '</li>');
        return;
      }
      if (list) { html.push('<ul>' + list.join('') + '</ul>'); list = null; }
      if (line.trim() !== '') html.push('<p>' + inline(line) + '</p>');
    });
    if (list) html.push('<ul>' + list.join('') + '</ul>');
    return html.join('');
  }
  AC.AdaptiveCard.onProcessMarkdown = function (text, result) {
    result.outputHtml = markdown(text);
    result.didProcess = true;
  };

  var hostConfig = new AC.HostConfig({
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Arial, sans-serif',
    supportsInteractivity: true,
    actions: { actionsOrientation: 'horizontal', buttonSpacing: 8, maxActions: 10, showCard: { actionMode: 'inline' } },
  });

  function post(body) {
    body.session = session;
    body.messageId = newId();
    return fetch('/api/web/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) { return res.json(); });
  }

  function renderCard(card, li) {
    var adaptive = new AC.AdaptiveCard();
    adaptive.hostConfig = hostConfig;
    adaptive.onExecuteAction = function (action) {
      if (busy) return;
      var data = action.data || {};
      if (action instanceof AC.OpenUrlAction) { window.open(action.url, '_blank', 'noopener'); return; }
      var label = action.title || 'Answered';
      say(label);
      send({ action: data }, li);
    };
    adaptive.parse(card);
    // The manager picker searches a Teams directory this page does not have; let its button through so the server
    // can say plainly that summaries are sent from Teams or Slack.
    var picker = adaptive.getElementById('manager');
    if (picker) picker.isRequired = false;
    var el = adaptive.render();
    li.innerHTML = '';
    if (card.speak) {
      var speak = document.createElement('p');
      speak.className = 'visually-hidden';
      speak.textContent = card.speak;
      li.appendChild(speak);
    }
    li.appendChild(el);
  }

  function addBot(card) {
    var li = document.createElement('li');
    li.className = 'bot';
    li.tabIndex = -1;
    li.setAttribute('role', 'article');
    li.setAttribute('aria-label', card.fallbackText || 'Bot message');
    renderCard(card, li);
    transcript.appendChild(li);
    // Focus moves to the new card so keyboard and screen-reader users land on the question.
    li.focus();
    return li;
  }

  function say(text) {
    var li = document.createElement('li');
    li.className = 'user';
    li.textContent = text;
    transcript.appendChild(li);
  }

  function showProvenance(view) {
    var area = view && view.area ? areas.filter(function (a) { return a.id === view.area; })[0] : null;
    provenanceLine.textContent = area ? area.provenance : 'Choose the area after the first question, or use the area list above.';
    if (area) areaSelect.value = area.id;
  }

  function handle(reply, clicked) {
    if (reply.duplicate) return;
    if (reply.stale && clicked) { addBot(reply.stale); }
    else if (reply.answered && clicked) { renderCard(reply.answered, clicked); clicked.classList.add('answered'); }
    if (reply.card) addBot(reply.card);
    if (reply.view) showProvenance(reply.view);
    // The area list answers the area question for the user, after the immediate-danger question as always.
    var wanted = localStorage.getItem('cse.area');
    if (reply.view && reply.view.node === '@area' && wanted) {
      say(areas.filter(function (a) { return a.id === wanted; }).map(function (a) { return a.name; })[0] || wanted);
      return send({ answer: { ref: reply.view.ref, value: wanted } });
    }
  }

  function send(body, clicked) {
    busy = true;
    return post(body).then(function (reply) {
      busy = false;
      if (reply.error === 'bad_request') { addBot({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: reply.message, wrap: true, color: 'attention' }], fallbackText: reply.message }); return; }
      return handle(reply, clicked);
    }, function () {
      busy = false;
      addBot({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'The bot could not be reached. Is the server running?', wrap: true, color: 'attention' }], fallbackText: 'The bot could not be reached.' });
    });
  }

  document.getElementById('composer').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('say');
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = '';
    say(text);
    send({ text: text });
  });
  document.getElementById('restart').addEventListener('click', function () {
    say('Start again');
    send({ command: 'restart' });
  });
  document.getElementById('emergency').addEventListener('click', function () {
    say('Emergency');
    send({ command: 'emergency' });
  });
  areaSelect.addEventListener('change', function () {
    localStorage.setItem('cse.area', areaSelect.value);
    say('Start again for ' + areaSelect.options[areaSelect.selectedIndex].text);
    send({ command: 'restart' });
  });

  fetch('/api/web/areas').then(function (r) { return r.json(); }).then(function (body) {
    areas = body.areas || [];
    areas.forEach(function (a) {
      var o = document.createElement('option');
      o.value = a.id;
      o.textContent = a.name;
      areaSelect.appendChild(o);
    });
    var wanted = localStorage.getItem('cse.area');
    if (wanted) areaSelect.value = wanted; else areaSelect.selectedIndex = -1;
    return send({ open: true });
  });
})();
