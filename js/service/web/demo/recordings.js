// The recordings page: GET /demo/recordings, one card per recording with a
// player for the mixed conversation and for each party's file.

import { el, formatDuration } from '/assets/call-view.js';

const $ = (id) => document.getElementById(id);

function size(bytes) {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${bytes} B`;
}

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? 'unknown time' : d.toLocaleString();
}

const FILE_WORDS = { 'mixed-audio': 'Conversation (stereo: visitor left, agent right)', audio: 'audio', video: 'video + audio' };

function player(file) {
  if (file.name.endsWith('.webm')) return el('video', { controls: true, preload: 'metadata', src: file.url });
  return el('audio', { controls: true, preload: 'metadata', src: file.url });
}

function card(rec) {
  const mixed = rec.files.find((f) => f.kind === 'mixed-audio' || f.name === 'mixed.opus');
  const status = rec.complete
    ? el('span', { class: 'badge ok', text: 'complete' })
    : rec.endedAt
      ? el('span', { class: 'badge bad', text: 'incomplete' })
      : el('span', { class: 'badge warn', text: 'recording…' });
  const head = el('div', { class: 'rec-head' },
    el('h3', { text: when(rec.startedAt) }),
    status,
    el('span', { class: 'meta', text: `${rec.durationMs !== null ? formatDuration(rec.durationMs / 1000) : '–'} · ${size(rec.bytes)} · call ${rec.callId || rec.folder}` }));
  const rows = rec.files.map((f) => el('tr', {},
    el('td', {}, el('a', { href: f.url, download: `${rec.folder}-${f.name}`, text: f.name })),
    el('td', { text: f.party ? `${f.party} · ${FILE_WORDS[f.kind] || f.kind || ''}` : (FILE_WORDS[f.kind] || f.kind || '') }),
    el('td', { text: `${f.durationMs !== null ? formatDuration(f.durationMs / 1000) : '–'} · ${size(f.bytes)}` }),
    el('td', {}, player(f))));
  const table = el('table', { class: 'rec-files' },
    el('thead', {}, el('tr', {}, el('th', { text: 'File' }), el('th', { text: 'What' }), el('th', { text: 'Length · size' }), el('th', { text: 'Play' }))),
    el('tbody', {}, ...rows));
  return el('article', { class: 'card', 'data-testid': 'recording' },
    head,
    rec.error ? el('p', { class: 'badge bad', text: rec.error }) : null,
    mixed ? el('audio', { class: 'mixed-player', controls: true, preload: 'metadata', src: mixed.url, 'aria-label': 'The conversation' }) : null,
    table);
}

async function load() {
  $('summary').textContent = 'Loading…';
  try {
    const res = await fetch('/demo/recordings');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const { recordings } = await res.json();
    $('summary').textContent = `${recordings.length} recording${recordings.length === 1 ? '' : 's'}, newest first`;
    $('list').replaceChildren(...(recordings.length
      ? recordings.map(card)
      : [el('div', { class: 'card empty' }, el('p', { text: 'No recordings yet.' }), el('p', { text: 'Tick "Record" on the agent console before starting a call.' }))]));
  } catch (err) {
    $('summary').textContent = `Could not load the recordings: ${err.message}`;
  }
}

$('reload').addEventListener('click', load);
load();
