// The clockreader page: send photos to the API, draw every clock found with its box and the hands as read.
'use strict';

const HOUR = '#ffb000', MINUTE = '#00dcff';        // amber and cyan, as `clockreader read --annotate` draws them:
                                                     // they stand out from red, white and black dials
const BOX_OK = '#00e676', BOX_UNSURE = '#ff40ff';
const MAX_SIDE = 1600;                               // the annotated image's longest side

let api = 'api/v1/read';
const $ = id => document.getElementById(id);

function setup() {
  api = $('form').getAttribute('action') || api;
  const drop = $('drop'), input = $('file');
  $('form').addEventListener('submit', e => { e.preventDefault(); readFiles(input.files); });
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => { e.preventDefault(); drop.classList.remove('over'); readFiles(e.dataTransfer.files); });
  input.addEventListener('change', () => { readFiles(input.files); input.value = ''; });
  document.addEventListener('paste', e => {
    const files = [...((e.clipboardData && e.clipboardData.files) || [])].filter(f => f.type.startsWith('image/'));
    if (files.length) { e.preventDefault(); readFiles(files); } else { $('error').textContent = 'The clipboard holds no image to read.'; }
  });
  for (const b of document.querySelectorAll('.example')) {
    b.addEventListener('click', async () => {
      const src = b.dataset.src;
      try {
        const res = await fetch(src);
        if (!res.ok) throw new Error('HTTP ' + res.status);
        const blob = await res.blob();
        readFiles([new File([blob], src.split('/').pop(), { type: blob.type || 'image/jpeg' })]);
      } catch (e) { $('error').textContent = 'Could not load the example: ' + e; }
    });
  }
}

async function readFiles(list) {
  const files = [...(list || [])];
  if (!files.length) return;
  $('error').textContent = '';
  const cards = files.map(f => newCard(f.name || 'pasted image'));   // every file shows "reading..." at once
  for (let i = 0; i < files.length; i++) await readOne(files[i], cards[i]);   // one at a time: the server's cap
}

function newCard(name) {
  const card = $('card').content.firstElementChild.cloneNode(true);
  card.querySelector('.name').textContent = name;
  $('results').prepend(card);
  return card;
}

function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }

async function post(file) {
  for (let attempt = 0; ; attempt++) {
    const form = new FormData();
    form.append('file', file, file.name || 'pasted.png');
    const res = await fetch(api, { method: 'POST', body: form });
    if (res.status !== 503 || attempt >= 4) return res;
    await sleep(1000 * (parseFloat(res.headers.get('Retry-After')) || 2));   // busy: wait as told and try again
  }
}

async function readOne(file, card) {
  const q = s => card.querySelector(s), state = q('.state');
  let res, body;
  try {
    res = await post(file);
    body = await res.json();
  } catch (e) {
    state.textContent = ''; q('.error').textContent = 'The server did not answer: ' + e; return;
  }
  state.textContent = '';
  if (!res.ok) { card.classList.add('failed'); q('.error').textContent = body.detail || ('Error ' + res.status); return; }
  showAnswer(card, body);
  const img = new Image();
  img.onload = () => { draw(q('.canvas'), img, body); offerDownloads(card, file, body); };
  img.onerror = () => { q('.error').textContent = 'The browser cannot show this image; the reading above is the server\'s.'; };
  img.src = URL.createObjectURL(file);
}

function statusText(r) {
  return r.status === 'no clock' ? 'no clock found' : r.status === 'unsure' ? 'unsure' : r.status || '';
}

function showAnswer(card, body) {
  const q = s => card.querySelector(s);
  q('.answer').hidden = false;
  q('.time').textContent = body.time || '--:--';
  q('.confidence').textContent = '(confidence ' + body.confidence.toFixed(2) + ')';
  q('.status').textContent = statusText(body);
  card.dataset.status = body.status;
  if (body.status === 'unsure') card.classList.add('unsure');
  if (body.status === 'no clock') card.classList.add('noclock');
  const alts = q('.alternatives');
  for (const a of body.alternatives || []) {
    const tr = alts.insertRow();
    tr.insertCell().textContent = 'or ' + a.time;
    tr.insertCell().textContent = a.confidence.toFixed(2);
  }
  const rows = q('.clocks tbody');
  (body.readings || [body]).forEach((r, i) => {
    const tr = rows.insertRow();
    if (r.status !== 'ok') tr.classList.add('unsure');
    tr.insertCell().textContent = String(i + 1);
    tr.insertCell().textContent = r.time || '--:--';
    tr.insertCell().textContent = r.confidence.toFixed(2);
    tr.insertCell().textContent = statusText(r);
    tr.insertCell().textContent = r.box ? r.box.map(v => Math.round(v)).join(', ') : 'whole photo';
  });
}

function draw(c, img, body) {
  const scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
  c.width = Math.round(img.naturalWidth * scale); c.height = Math.round(img.naturalHeight * scale);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0, c.width, c.height);
  const lw = Math.max(2, Math.max(c.width, c.height) / 300);
  (body.readings || [body]).forEach((r, i) => drawReading(ctx, c, r, i, scale, lw));
}

function line(ctx, x0, y0, x1, y1, color, width) {
  ctx.lineCap = 'round';
  ctx.strokeStyle = 'rgba(0,0,0,0.75)'; ctx.lineWidth = width + 3;     // a dark edge so the hand shows on any dial
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
  ctx.strokeStyle = color; ctx.lineWidth = width;
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
}

function drawReading(ctx, c, r, i, scale, lw) {
  const [x0, y0, x1, y1] = r.box ? r.box.map(v => v * scale) : [0, 0, c.width, c.height];
  const sure = r.status === 'ok', color = sure ? BOX_OK : BOX_UNSURE;
  if (r.box || !sure) {
    ctx.setLineDash(sure ? [] : [3 * lw, 2 * lw]);
    ctx.strokeStyle = color; ctx.lineWidth = lw;
    ctx.strokeRect(x0 + lw / 2, y0 + lw / 2, x1 - x0 - lw, y1 - y0 - lw);
    ctx.setLineDash([]);
  }
  if (r.hour !== null && r.hour !== undefined) {
    // the box's centre stands in for the dial's: the API gives no dial centre
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, rad = Math.min(x1 - x0, y1 - y0) / 2;
    const hourDeg = (r.hour % 12) * 30 + r.minute * 0.5, minuteDeg = r.minute * 6;
    for (const [deg, len, w, col] of [[hourDeg, 0.5, 2.2 * lw, HOUR], [minuteDeg, 0.8, 1.3 * lw, MINUTE]]) {
      const a = deg * Math.PI / 180;
      line(ctx, cx, cy, cx + Math.sin(a) * rad * len, cy - Math.cos(a) * rad * len, col, w);
    }
  }
  const label = (i + 1) + ' ' + (r.time || 'no clock') + (sure ? '' : ' ?');
  const size = Math.round(Math.max(12, 7 * lw));
  ctx.font = 'bold ' + size + 'px sans-serif';
  const tw = ctx.measureText(label).width;
  ctx.fillStyle = 'rgba(0,0,0,0.7)'; ctx.fillRect(x0, y0, tw + size * 0.6, size * 1.4);
  ctx.fillStyle = color; ctx.fillText(label, x0 + size * 0.3, y0 + size * 1.05);
}

function offerDownloads(card, file, body) {
  const q = s => card.querySelector(s);
  const stem = (file.name || 'pasted').replace(/\.[^.]*$/, '');
  const json = q('.download-json');
  json.href = URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }));
  json.download = stem + '.json';
  q('.canvas').toBlob(blob => {
    const a = q('.download-image');
    a.href = URL.createObjectURL(blob); a.download = stem + '-annotated.png';
    card.dataset.annotated = String(blob.size);
    q('.downloads').hidden = false;
  }, 'image/png');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setup); else setup();
