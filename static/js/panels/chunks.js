// One user's chunks in a dataset, newest first, a page at a time.

import { chunkDetails } from '../chunk-view.js';
import { $, clearError, el, latestOnly, loadInto, pager, setBusy, setStatus } from '../dom.js';

const CHUNKS_PER_PAGE = 10;

export function setUpChunks({ api }) {
  const list = $('chunks-list');
  const status = $('chunks-status');
  const error = $('chunks-error');
  const pages = pager({
    label: $('chunks-page'), prev: $('chunks-prev'), next: $('chunks-next'), onPage: load,
  });
  const loads = latestOnly();
  let shown = null; // { datasetId, userId }
  renderTotal(0);

  function renderTotal(total) {
    $('chunks-total').textContent = String(total);
  }

  async function load(wanted) {
    const isCurrent = loads.next();
    const { datasetId, userId } = shown;
    pages.hold();
    let data = null;
    await loadInto({ node: list, statusNode: status, errorNode: error, isCurrent }, async () => {
      data = await api.send('GET', `/api/user/${userId}/${wanted}`, { dataset: datasetId });
    });
    if (!isCurrent()) return;
    if (!data) {
      renderTotal(0);
      pages.show(1, 1);
      return;
    }
    const count = Math.ceil(data.total_chunks_created / CHUNKS_PER_PAGE);
    if (wanted > 1 && wanted > count) {
      // Chunks were removed meanwhile: show the last page there is.
      await load(Math.max(1, count));
      return;
    }
    render(data, wanted, count);
  }

  function render(data, page, count) {
    renderTotal(data.total_chunks_created);
    pages.show(page, count);
    list.start = (page - 1) * CHUNKS_PER_PAGE + 1;
    list.replaceChildren(
      ...data.chunks.map((chunk) => {
        const item = el('li', { testid: 'chunk-item', className: 'chunk' }, [
          el('p', {
            text: chunk.content || '(no text)', className: 'chunk-content', testid: 'chunk-content',
          }),
          el('p', { className: 'chunk-meta' }, chunkDetails(chunk)),
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
      return load(same ? pages.page : 1);
    },

    clear() {
      loads.cancel();
      shown = null;
      setBusy(list, false);
      setStatus(status, '');
      clearError(error);
      list.replaceChildren();
      $('chunks-empty').hidden = true;
      renderTotal(0);
      pages.show(1, 1);
    },
  };
}
