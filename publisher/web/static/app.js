// publish serve: two small helpers; every page works without them.
// 1. A page with problems (the form after a refused request) moves focus to them.
// 2. A preview page listens on /events and refreshes its live part after every build,
//    without a reload and without moving the reader's focus.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const errors = document.getElementById('errors');
  if (errors) errors.focus();
  if (document.body.dataset.live === '1' && 'EventSource' in window) listen();
});

function listen() {
  let seen = null;
  const events = new EventSource('/events');
  events.onmessage = (event) => {
    if (seen !== null && event.data !== seen) refresh();
    seen = event.data;
  };
}

let refreshing = false;
let again = false;

async function refresh() {
  if (refreshing) { again = true; return; }
  refreshing = true;
  try {
    const response = await fetch(window.location.href, { headers: { 'Accept': 'text/html' }, cache: 'no-store' });
    if (!response.ok) return;
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('live');
    const live = document.getElementById('live');
    if (!fresh || !live) return;
    // Focus inside the replaced part goes to the same element again (by id), else to the
    // page's content; focus elsewhere (the menu) stays where it is.
    const active = document.activeElement;
    const inside = active && live.contains(active);
    const focused = inside && active.id;
    live.replaceWith(fresh);
    if (inside) {
      const again = focused && document.getElementById(focused);
      (again || document.getElementById('main')).focus();
    }
    const status = fresh.querySelector('.build-status');
    document.getElementById('status').textContent =
      'Updated: ' + (status ? status.textContent.replace(/\s+/g, ' ').trim() : 'new build');
  } finally {
    refreshing = false;
    if (again) { again = false; refresh(); }
  }
}
