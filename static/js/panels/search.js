// Search over the chosen dataset, by words (full text), by meaning (semantic) or both (hybrid):
// the hits best first, each with its matched words highlighted and its score, a page at a time.
// It searches once the user pauses typing, or at once on Enter; another dataset clears it.
// Searching by meaning needs an embedding server: without one those choices are disabled, and
// the line under the form says how to configure one, or how many chunks wait for a vector.

import { chunkDetails, highlightedContent } from '../chunk-view.js';
import { $, clearError, el, latestOnly, loadInto, pager, setBusy, setStatus } from '../dom.js';
import { formatScore } from '../format.js';

/** The server's page size (`POST /api/chunk/search` answers 10 hits a page). */
const RESULTS_PER_PAGE = 10;
/** How long typing pauses before the query is searched: one request per pause, not per key. */
const TYPING_PAUSE_MS = 300;

export function setUpSearch({ api, session }) {
  const form = $('search-form');
  const input = $('search-query');
  const submit = $('search-submit');
  const searchType = $('search-type');
  const vectors = $('search-vectors');
  const results = $('search-results');
  const list = $('search-list');
  const empty = $('search-empty');
  const status = $('search-status');
  const error = $('search-error');
  const pages = pager({
    label: $('search-page'), prev: $('search-prev'), next: $('search-next'), onPage: load,
  });
  const loads = latestOnly();
  let shown = null; // { datasetId, query }: what the list is of
  let typing = null; // the timer of a search that waits for a pause in typing
  enable(false);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    search();
  });
  input.addEventListener('input', () => {
    clearTimeout(typing);
    if (input.value.trim() === '') clear();
    else typing = setTimeout(search, TYPING_PAUSE_MS);
  });
  searchType.addEventListener('change', () => {
    if (input.value.trim() !== '') search();
  });
  session.subscribe((state, changed) => {
    if (!changed.has('datasetId')) return;
    input.value = '';
    clear();
    enable(Boolean(state.datasetId));
    if (state.datasetId) showVectors();
  });

  /** Searching needs a dataset. */
  function enable(canSearch) {
    input.disabled = !canSearch;
    submit.disabled = !canSearch;
    searchType.disabled = !canSearch;
  }

  /** Whether searching by meaning is available, and the embedding backlog. */
  async function showVectors() {
    let status = null;
    try {
      status = await api.send('GET', '/api/embedding');
    } catch {
      vectors.textContent = '';
      return;
    }
    for (const choice of searchType.options) {
      if (choice.value !== 'fulltext') choice.disabled = !status.available;
    }
    if (!status.available) {
      searchType.value = 'fulltext';
      vectors.textContent = 'Searching by meaning needs an embedding server: start trieve-lite '
        + 'with --embedding-url (Ollama: http://127.0.0.1:11434/v1).';
      return;
    }
    const waiting = status.backlog === 1 ? '1 chunk waits' : `${status.backlog} chunks wait`;
    vectors.textContent = `Vectors from ${status.model}: ${waiting} for one`
      + (status.failing ? '; the embedding server is failing, retried.' : '.')
      + (status.set_aside > 0 ? ` ${status.set_aside} set aside (no usable vector).` : '');
  }

  /** The query in the box, from its first page. */
  function search() {
    clearTimeout(typing);
    const { datasetId } = session.current;
    if (!datasetId) return;
    shown = { datasetId, query: input.value, searchType: searchType.value };
    load(1);
  }

  async function load(wanted) {
    const isCurrent = loads.next();
    const { datasetId, query, searchType: type } = shown;
    pages.hold();
    let data = null;
    await loadInto({ node: list, statusNode: status, errorNode: error, isCurrent }, async () => {
      data = await api.send('POST', '/api/chunk/search', {
        dataset: datasetId,
        body: { query, search_type: type, page: wanted },
      });
    });
    if (!isCurrent()) return;
    if (!data) {
      // The error says why (a query the server refuses, say); no list of another query stays.
      list.replaceChildren();
      results.hidden = true;
      return;
    }
    const count = data.total_chunk_pages;
    if (wanted > 1 && wanted > count) {
      // Chunks were removed meanwhile: show the last page there is.
      await load(Math.max(1, count));
      return;
    }
    render(data, wanted, count);
  }

  function render(data, page, count) {
    pages.show(page, count);
    list.start = (page - 1) * RESULTS_PER_PAGE + 1;
    list.replaceChildren(...data.score_chunks.map(resultItem));
    list.hidden = data.score_chunks.length === 0;
    empty.textContent = `No chunk of this dataset matches “${shown.query.trim()}”.`;
    empty.hidden = data.score_chunks.length > 0;
    results.hidden = false;
  }

  function clear() {
    clearTimeout(typing);
    loads.cancel();
    shown = null;
    setBusy(list, false);
    setStatus(status, '');
    clearError(error);
    list.replaceChildren();
    results.hidden = true;
    pages.show(1, 1);
  }
}

function resultItem({ metadata, score }) {
  const chunk = metadata[0];
  const content = el('p', { className: 'chunk-content', testid: 'search-content' }, [
    highlightedContent(chunk),
  ]);
  if (content.textContent === '') content.textContent = '(no text)';
  const scoreNode = el('span', {
    text: `score ${formatScore(score)}`,
    className: 'score',
    testid: 'search-score',
    attrs: { title: String(score) },
  });
  const item = el('li', { testid: 'search-result', className: 'chunk' }, [
    content,
    el('p', { className: 'chunk-meta' }, [scoreNode, ...chunkDetails(chunk)]),
  ]);
  item.dataset.chunkId = chunk.id;
  return item;
}
