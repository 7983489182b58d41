// The status page, live, as the first client of the JSON API: takes over the server-rendered
// rows, follows api/v1/events (server-sent events of every state change and of resource
// samples), starts, stops and restarts through api/v1/processes/NAME/..., and performs the
// page's other actions (all, groups, clear log) through POST ui/action. Updates are batched
// per animation frame and touch only rows whose state or text changed; charts are drawn only
// for rows on screen, so a page of 1 000 processes stays responsive.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const table = $('procs'), filter = $('filter'), live = $('live'), msg = $('msg');
  const rows = new Map();     // namespec -> row record
  const groups = new Map();   // group name -> <tbody>
  const pending = new Map();  // namespec -> latest info not yet drawn
  const onScreen = new Set(); // row records in view: the only charts drawn
  const stale = new Set();    // row records whose chart or figures changed since drawn
  const POINTS = 60;          // samples a chart shows
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
      samples: [], spawns: 0,
      cpu: tr.querySelector('.spark .cpu'), mem: tr.querySelector('.spark .mem'),
      figs: tr.querySelector('.figs'), restarts: tr.querySelector('.restarts'),
    };
    rows.set(p.name, p);
    tr.record = p;
    seen.observe(tr);
    return p;
  }
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const p = e.target.record;
      if (e.isIntersecting) { onScreen.add(p); if (stale.has(p)) schedule(); } else onScreen.delete(p);
    }
  });
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
    const tb = groupBody(info.group, info.name !== info.group);
    const tr = $('tpl-row').content.firstElementChild.cloneNode(true);
    const q = quote(info.namespec);
    tr.dataset.name = info.namespec;
    const link = tr.querySelector('.pname');
    link.textContent = info.name; link.title = info.namespec; link.href = 'tail.html?processname=' + q;
    for (const a of tr.querySelectorAll('a[data-action]')) {
      a.href = 'index.html?processname=' + q + '&action=' + a.dataset.action;
    }
    const tails = tr.querySelectorAll('.a-tail');
    tails[0].href = 'tail.html?processname=' + q;
    tails[1].href = 'tail.html?processname=' + q + '&channel=stderr';
    const next = [...tb.querySelectorAll('tr.proc')].find((r) => r.dataset.name > info.namespec);
    tb.insertBefore(tr, next || null);
    $('empty').hidden = true;
    return record(tr);
  }

  // The badge's health word, as our supervisorctl shows it.
  const HEALTH = { starting: 'health: starting', healthy: 'healthy', unhealthy: 'unhealthy' };
  function draw(info) {
    const p = rows.get(info.namespec) || create(info);
    const s = info.statename.toLowerCase();
    const label = HEALTH[info.health] ? s + ' · ' + HEALTH[info.health] : s;
    if (p.s !== s || p.label !== label) {
      p.tr.dataset.s = s; p.badge.textContent = label; p.s = s; p.label = label;
      if (query) show(p);
    }
    p.pid = info.pid; p.start = info.start; p.description = info.description;
    setText(p, descOf(p));
    if (p.spawns !== info.spawns) { p.spawns = info.spawns; stale.add(p); }
    if (info.resources) addSamples(p, [info.resources]);
  }

  // Resources: each row keeps its last POINTS samples; figures and charts are redrawn only
  // for rows on screen, the others when they scroll into view.
  function addSamples(p, samples) {
    for (const x of samples) {
      const last = p.samples[p.samples.length - 1];
      if (last && x.at <= last.at) continue;
      p.samples.push(x);
      if (p.samples.length > POINTS) p.samples.shift();
      stale.add(p);
    }
  }
  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + ' ' + units[i];
  }
  function line(values, top) {
    const step = 60 / (POINTS - 1), x0 = 60 - (values.length - 1) * step;
    return values.map((v, i) => (x0 + i * step).toFixed(1) + ',' + (19 - 18 * v / top).toFixed(1)).join(' ');
  }
  function chart(p) {
    stale.delete(p);
    const running = p.s === 'running' || p.s === 'stopping' || p.s === 'starting';
    const last = p.samples[p.samples.length - 1];
    const figs = running && last ? last.cpu_percent.toFixed(1) + '% · ' + bytes(last.rss_bytes) : '';
    if (p.figs.textContent !== figs) p.figs.textContent = figs;
    const restarts = p.spawns > 1 ? '↻ ' + (p.spawns - 1) : '';
    if (p.restarts.textContent !== restarts) {
      p.restarts.textContent = restarts; p.restarts.title = restarts ? 'restarts' : '';
    }
    const cpu = p.samples.map((x) => x.cpu_percent), mem = p.samples.map((x) => x.rss_bytes);
    p.cpu.setAttribute('points', line(cpu, Math.max(100, ...cpu)));
    p.mem.setAttribute('points', line(mem, Math.max(1, ...mem)));
  }

  function flush() {
    scheduled = false;
    for (const info of pending.values()) draw(info);
    pending.clear();
    for (const p of stale) if (onScreen.has(p)) chart(p);
    counts();
  }
  function schedule() {
    if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
  }
  function queue(list) {
    for (const info of list) pending.set(info.namespec, info);
    schedule();
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
    source = new EventSource('api/v1/events');
    source.addEventListener('open', () => setLive('on', 'live'));
    source.addEventListener('snapshot', (e) => {
      const data = JSON.parse(e.data);
      skew = data.now - Date.now() / 1000;
      const known = new Set(data.processes.map((p) => p.namespec));
      for (const [name, p] of rows) {
        if (!known.has(name)) { p.tr.remove(); rows.delete(name); pending.delete(name); }
      }
      queue(data.processes);
      setLive('on', 'live');
    });
    source.addEventListener('change', (e) => queue(JSON.parse(e.data).processes));
    source.addEventListener('resources', (e) => {
      for (const [name, samples] of Object.entries(JSON.parse(e.data).processes)) {
        const p = rows.get(name);
        if (p) addSamples(p, samples);
      }
      schedule();
    });
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

  // Start, stop and restart go through the JSON API; its error is the fault, named.
  const API_ACTIONS = { start: 'started', stop: 'stopped', restart: 'restarted' };
  async function viaApi(name, action) {
    const res = await fetch('api/v1/processes/' + quote(name) + '/' + action, { method: 'POST' });
    const out = await res.json();
    return res.ok
      ? { ok: true, message: 'Process ' + name + ' ' + API_ACTIONS[action] }
      : { ok: false, message: 'ERROR: Process ' + name + ': ' + out.error.message };
  }

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
      const out = tr && API_ACTIONS[a.dataset.action]
        ? await viaApi(tr.dataset.name, a.dataset.action)
        : await (await fetch('ui/action', { method: 'POST', body })).json();
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
