// One user's chunks in a dataset, newest first, a page at a time.

import { $, clearError, el, latestOnly, loadInto, setBusy, setStatus } from '../dom.js';
import { timeNode } from '../format.js';

const CHUNKS_PER_PAGE = 10;

export function setUpChunks({ api }) {
  const list = $('chunks-list');
  const prev = $('chunks-prev');
  const next = $('chunks-next');
  const status = $('chunks-status');
  const error = $('chunks-error');
  const loads = latestOnly();
  let shown = null; // { datasetId, userId }
  let page = 1;

  prev.addEventListener('click', () => load(Math.max(1, page - 1)));
  next.addEventListener('click', () => load(page + 1));
  renderPager(0, 1);

  function renderPager(total, current) {
    const pages = Math.max(1, Math.ceil(total / CHUNKS_PER_PAGE));
    $('chunks-total').textContent = String(total);
    $('chunks-page').textContent = `Page ${current} of ${pages}`;
    prev.disabled = current <= 1;
    next.disabled = current >= pages;
    return pages;
  }

  async function load(wanted) {
    const isCurrent = loads.next();
    const { datasetId, userId } = shown;
    prev.disabled = true;
    next.disabled = true;
    let data = null;
    await loadInto({ node: list, statusNode: status, errorNode: error, isCurrent }, async () => {
      data = await api.send('GET', `/api/user/${userId}/${wanted}`, { dataset: datasetId });
    });
    if (!isCurrent()) return;
    if (!data) {
      renderPager(0, 1);
      return;
    }
    const pages = Math.ceil(data.total_chunks_created / CHUNKS_PER_PAGE);
    if (wanted > 1 && wanted > pages) {
      // Chunks were removed meanwhile: show the last page there is.
      await load(Math.max(1, pages));
      return;
    }
    page = wanted;
    render(data);
  }

  function render(data) {
    renderPager(data.total_chunks_created, page);
    list.start = (page - 1) * CHUNKS_PER_PAGE + 1;
    list.replaceChildren(
      ...data.chunks.map((chunk) => {
        const item = el('li', { testid: 'chunk-item', className: 'chunk' }, [
          el('p', {
            text: chunk.content || '(no text)', className: 'chunk-content', testid: 'chunk-content',
          }),
          el('p', { className: 'chunk-meta' }, [
            chunk.tracking_id ? el('span', { text: `tracking id: ${chunk.tracking_id}` }) : null,
            chunk.file_name ? el('span', { text: `file: ${chunk.file_name}` }) : null,
            el('span', {}, [document.createTextNode('updated '), timeNode(chunk.updated_at)]),
          ]),
        ]);
        item.dataset.chunkId = chunk.id;
        return item;
      }),
    );
    $('chunks-empty').hidden = data.total_chunks_created > 0;
    list.hidden = data.chunks.length === 0;
  }

  return {
    /** Shows `userId`'s chunks in `datasetId`: from page 1 for another user or dataset, else
     *  the page shown again (after a file was uploaded or deleted). */
    show(datasetId, userId) {
      const same = shown && shown.datasetId === datasetId && shown.userId === userId;
      shown = { datasetId, userId };
      return load(same ? page : 1);
    },

    clear() {
      loads.cancel();
      shown = null;
      page = 1;
      setBusy(list, false);
      setStatus(status, '');
      clearError(error);
      list.replaceChildren();
      $('chunks-empty').hidden = true;
      renderPager(0, 1);
    },
  };
}
