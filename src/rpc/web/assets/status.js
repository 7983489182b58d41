// The status page, live: takes over the server-rendered rows, follows ui/events (server-sent
// events of every state change), and performs actions in place through POST ui/action.
// Updates are batched per animation frame and touch only rows whose state or text changed,
// so a page of 1 000 processes stays responsive through a restart of all of them.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const table = $('procs'), filter = $('filter'), live = $('live'), msg = $('msg');
  const rows = new Map();     // namespec -> row record
  const groups = new Map();   // group name -> <tbody>
  const pending = new Map();  // namespec -> latest info not yet drawn
  let skew = 0;               // server clock minus ours, in seconds
  let query = '';
  let scheduled = false;

  function record(tr) {
    const p = {
      tr, name: tr.dataset.name, s: tr.dataset.s, pid: 0, start: 0,
      label: tr.querySelector('.badge').textContent,
      group: tr.parentElement.dataset.group,
      badge: tr.querySelector('.badge'), desc: tr.querySelector('.c-desc'),
      text: tr.querySelector('.c-desc').textContent,
    };
    rows.set(p.name, p);
    return p;
  }
  for (const tb of table.tBodies) groups.set(tb.dataset.group, tb);
  for (const tr of table.querySelectorAll('tr.proc')) record(tr);

  // Python's str(timedelta), as supervisorctl shows uptimes.
  function uptime(sec) {
    sec = Math.max(0, Math.floor(sec));
    const d = Math.floor(sec / 86400), r = sec % 86400;
    const clock = Math.floor(r / 3600) + ':' + String(Math.floor(r % 3600 / 60)).padStart(2, '0') +
      ':' + String(r % 60).padStart(2, '0');
    return d ? d + (d === 1 ? ' day, ' : ' days, ') + clock : clock;
  }
  const serverNow = () => Date.now() / 1000 + skew;
  function descOf(p) {
    return p.s === 'running' ? 'pid ' + p.pid + ', uptime ' + uptime(serverNow() - p.start) : p.description;
  }
  function setText(p, text) {
    if (p.text !== text) { p.desc.textContent = text; p.text = text; }
  }

  const quote = (s) => encodeURIComponent(s);
  function groupBody(name, headed) {
    let tb = groups.get(name);
    if (tb) return tb;
    tb = $('tpl-group').content.firstElementChild.cloneNode(true);
    tb.dataset.group = name;
    const head = tb.querySelector('.ghead');
    if (headed) {
      tb.querySelector('.gname').textContent = name;
      for (const a of tb.querySelectorAll('a[data-action]')) {
        a.href = 'index.html?processname=' + quote(name) + '&action=' + a.dataset.action;
      }
    } else head.remove();
    const after = [...groups.keys()].filter((g) => g > name).sort()[0];
    table.insertBefore(tb, after === undefined ? null : groups.get(after));
    groups.set(name, tb);
    return tb;
  }
  function create(info) {
    const tb = groupBody(info.group, info.process !== info.group);
    const tr = $('tpl-row').content.firstElementChild.cloneNode(true);
    const q = quote(info.name);
    tr.dataset.name = info.name;
    const link = tr.querySelector('.pname');
    link.textContent = info.process; link.title = info.name; link.href = 'tail.html?processname=' + q;
    for (const a of tr.querySelectorAll('a[data-action]')) {
      a.href = 'index.html?processname=' + q + '&action=' + a.dataset.action;
    }
    const tails = tr.querySelectorAll('.a-tail');
    tails[0].href = 'tail.html?processname=' + q;
    tails[1].href = 'tail.html?processname=' + q + '&channel=stderr';
    const next = [...tb.querySelectorAll('tr.proc')].find((r) => r.dataset.name > info.name);
    tb.insertBefore(tr, next || null);
    $('empty').hidden = true;
    return record(tr);
  }

  function draw(info) {
    const p = rows.get(info.name) || create(info);
    const s = info.statename.toLowerCase();
    const label = info.health ? s + ' · ' + info.health : s;
    if (p.s !== s || p.label !== label) {
      p.tr.dataset.s = s; p.badge.textContent = label; p.s = s; p.label = label;
      if (query) show(p);
    }
    p.pid = info.pid; p.start = info.start; p.description = info.description;
    setText(p, descOf(p));
  }
  function flush() {
    scheduled = false;
    for (const info of pending.values()) draw(info);
    pending.clear();
    counts();
  }
  function queue(list) {
    for (const info of list) pending.set(info.name, info);
    if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
  }

  function counts() {
    const total = {}, perGroup = new Map();
    for (const p of rows.values()) {
      total[p.s] = (total[p.s] || 0) + 1;
      const g = perGroup.get(p.group) || perGroup.set(p.group, [0, 0]).get(p.group);
      g[1]++; if (p.s === 'running') g[0]++;
    }
    const order = ['running', 'starting', 'backoff', 'stopping', 'exited', 'fatal', 'stopped', 'unknown'];
    const text = order.filter((s) => total[s]).map((s) => total[s] + ' ' + s).join(' · ');
    const summary = $('summary');
    if (summary.textContent !== text) summary.textContent = text;
    for (const [name, [up, all]] of perGroup) {
      const c = groups.get(name) && groups.get(name).querySelector('.gcount');
      if (c) {
        const t = up + '/' + all + ' running';
        if (c.textContent !== t) c.textContent = t;
      }
    }
    $('empty').hidden = rows.size > 0;
  }

  // Filter: by name or state, case-insensitive; a group hides when none of its rows show.
  function show(p) {
    const on = !query || p.name.toLowerCase().includes(query) || p.s.includes(query);
    if (p.tr.hidden === on) p.tr.hidden = !on;
  }
  function applyFilter() {
    query = filter.value.trim().toLowerCase();
    for (const p of rows.values()) show(p);
    let any = false;
    for (const tb of groups.values()) {
      const visible = !!tb.querySelector('tr.proc:not([hidden])');
      tb.hidden = !visible; any = any || visible;
    }
    $('nomatch').hidden = any || rows.size === 0;
  }
  let filterTimer = 0;
  filter.addEventListener('input', () => { clearTimeout(filterTimer); filterTimer = setTimeout(applyFilter, 60); });
  document.addEventListener('keydown', (e) => {
    if (e.key === '/' && document.activeElement !== filter) { e.preventDefault(); filter.focus(); }
    if (e.key === 'Escape' && document.activeElement === filter) { filter.value = ''; applyFilter(); }
  });

  // The live feed. EventSource reconnects by itself after a network error, but gives up on
  // an HTTP error (say, while the daemon restarts): then we start it again ourselves.
  let source = null, retry = 0;
  function setLive(state, text) { live.dataset.live = state; live.lastElementChild.textContent = text; }
  function connect() {
    if (source) source.close();
    source = new EventSource('ui/events');
    source.addEventListener('open', () => setLive('on', 'live'));
    source.addEventListener('snapshot', (e) => {
      const data = JSON.parse(e.data);
      skew = data.now - Date.now() / 1000;
      const seen = new Set(data.processes.map((p) => p.name));
      for (const [name, p] of rows) {
        if (!seen.has(name)) { p.tr.remove(); rows.delete(name); pending.delete(name); }
      }
      queue(data.processes);
      setLive('on', 'live');
    });
    source.addEventListener('change', (e) => queue(JSON.parse(e.data).processes));
    source.addEventListener('removed', (e) => {
      const group = JSON.parse(e.data).group;
      for (const [name, p] of rows) if (p.group === group) { rows.delete(name); pending.delete(name); }
      const tb = groups.get(group);
      if (tb) { tb.remove(); groups.delete(group); }
      counts();
    });
    source.addEventListener('error', () => {
      setLive('wait', 'reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(retry);
        retry = setTimeout(connect, 2000);
      }
    });
  }

  // Uptimes count on between events, on the server's clock.
  setInterval(() => {
    if (document.hidden) return;
    for (const p of rows.values()) if (p.s === 'running' && p.start) setText(p, descOf(p));
  }, 1000);

  function say(text, ok) {
    msg.textContent = text;
    msg.className = 'msg ' + (ok ? 'ok' : 'err');
    msg.hidden = false;
  }
  if (location.search.includes('message=')) history.replaceState(null, '', location.pathname);

  // Actions: the links work without this script (Supervisor's URLs); with it they run in
  // place and the feed shows their effect.
  document.addEventListener('click', async (e) => {
    const a = e.target.closest('a[data-action]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    if (a.dataset.confirm && !confirm(a.dataset.confirm)) return;
    const tr = a.closest('tr.proc'), tb = a.closest('tbody[data-group]');
    const body = new URLSearchParams({ action: a.dataset.action });
    if (tr) body.set('processname', tr.dataset.name);
    else if (tb && a.closest('.ghead')) body.set('processname', tb.dataset.group);
    a.setAttribute('aria-busy', 'true');
    try {
      const res = await fetch('ui/action', { method: 'POST', body });
      const out = await res.json();
      say(out.message, out.ok);
      if (a.dataset.action === 'refresh') connect();
    } catch (err) {
      location.href = a.href;  // fall back to the plain request
    } finally {
      a.removeAttribute('aria-busy');
    }
  });

  connect();
})();
