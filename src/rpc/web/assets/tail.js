// The tail page, following: reads the /logtail stream (which starts 1 KiB before the end of
// the file) and appends what is new. Its first chunk overlaps what the server already put
// on the page, so only the part past the longest overlap is added.
(() => {
  'use strict';
  const pre = document.getElementById('tailbody');
  const follow = document.getElementById('follow');
  const live = document.getElementById('live');
  if (!pre || !pre.dataset.name || !follow) return;
  const url = 'logtail/' + encodeURIComponent(pre.dataset.name) +
    (pre.dataset.channel === 'stderr' ? '/stderr' : '');
  const CAP = 1 << 20;  // characters kept on the page; older output scrolls away
  let length = pre.textContent.length;
  let ctrl = null;

  const setLive = (state, text) => { live.dataset.live = state; live.lastElementChild.textContent = text; };
  const atBottom = () => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 48;
  pre.scrollTop = pre.scrollHeight;

  function append(text) {
    if (!text) return;
    const stick = atBottom();
    pre.append(text);
    length += text.length;
    if (length > CAP * 1.25) { pre.textContent = pre.textContent.slice(-CAP); length = CAP; }
    if (stick) pre.scrollTop = pre.scrollHeight;
  }
  function merge(chunk) {
    if (pre.dataset.log === '0') {  // the page held a message, not the log
      pre.textContent = ''; length = 0; pre.dataset.log = '1';
      return append(chunk);
    }
    const have = pre.textContent;
    const c = chunk.replace(/^\uFFFD+/, '');  // the stream may start mid-character
    for (let k = Math.min(c.length, have.length); k > 0; k--) {
      if (have.endsWith(c.slice(0, k))) return append(c.slice(k));
    }
    append(c);
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function run() {
    while (follow.checked) {
      ctrl = new AbortController();
      try {
        const res = await fetch(url, { signal: ctrl.signal, cache: 'no-store' });
        if (!res.ok) throw new Error(res.status === 404 ? 'waiting for output' : 'HTTP ' + res.status);
        setLive('on', 'following');
        const reader = res.body.getReader(), dec = new TextDecoder();
        let first = true;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const text = dec.decode(value, { stream: true });
          if (first) { merge(text); first = false; } else append(text);
        }
        setLive('wait', 'reconnecting');
      } catch (e) {
        if (e.name === 'AbortError') return;
        setLive('wait', e.message);
      }
      await sleep(1500);
    }
  }
  follow.addEventListener('change', () => {
    if (follow.checked) run();
    else { if (ctrl) ctrl.abort(); setLive('off', 'paused'); }
  });
  run();
})();
