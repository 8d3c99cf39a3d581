// One user's files in a dataset: the list, download, delete, and uploading one of the caller's
// own (with its progress). `onChanged({ uploaded })` hears of an upload or a deletion.

import { ApiError, messageOf } from '../api-client.js';
import { confirmAction } from '../dialogs.js';
import {
  $, button, clearError, el, latestOnly, loadInto, setBusy, setStatus, showError, withBusy,
} from '../dom.js';
import { FormErrors } from '../form-errors.js';
import { formatBytes, timeNode } from '../format.js';

export function setUpFiles({ api, session, onChanged }) {
  const table = $('files-table');
  const status = $('files-status');
  const error = $('files-error');
  const uploadForm = $('upload-form');
  const fileInput = $('file-input');
  const uploadStatus = $('upload-status');
  // Every field of the upload's request body comes from the one file input.
  const uploadErrors = new FormErrors($('upload-error'), {
    file_name: fileInput, file_mime_type: fileInput, base64_file: fileInput,
  });
  const loads = latestOnly();
  let shown = null; // { datasetId, userId, mine }

  uploadForm.addEventListener('submit', upload);

  async function load() {
    const isCurrent = loads.next();
    const { datasetId, userId } = shown;
    await loadInto({ node: table, statusNode: status, errorNode: error, isCurrent }, async () => {
      const files = await api.send('GET', `/api/user/files/${userId}`, { dataset: datasetId });
      if (isCurrent()) render(files);
    });
  }

  function render(files) {
    $('files-body').replaceChildren(...files.map(fileRow));
    const empty = $('files-empty');
    empty.textContent = shown.mine
      ? 'No files yet — upload one above.'
      : 'No files yet. Files are stored as the user who uploaded them.';
    empty.hidden = files.length > 0;
    table.parentElement.hidden = files.length === 0;
  }

  function fileRow(file) {
    const download = button('Download', {
      className: 'secondary small', testid: 'file-download', label: `Download ${file.file_name}`,
    });
    download.addEventListener('click', () => downloadFile(file, download));
    const remove = button('Delete', {
      className: 'danger small', testid: 'file-delete', label: `Delete ${file.file_name}`,
    });
    remove.addEventListener('click', () => deleteFile(file, remove));
    const row = el('tr', { testid: 'file-row' }, [
      el('td', { text: file.file_name, className: 'wrap', testid: 'file-name' }),
      el('td', {
        text: formatBytes(file.size), attrs: { title: `${file.size} bytes` }, testid: 'file-size',
      }),
      el('td', {}, [timeNode(file.created_at)]),
      el('td', { className: 'row-actions' }, [download, remove]),
    ]);
    row.dataset.fileId = file.id;
    return row;
  }

  async function downloadFile(file, control) {
    clearError(error);
    try {
      const blob = await withBusy(control, status, () =>
        api.send('GET', `/api/file/${file.id}/download`, { dataset: shown.datasetId, blob: true }),
      );
      // As plain bytes: a blob URL lives on this page's origin, and an uploaded HTML or SVG
      // file opened from it as what it claims to be could run script here. Revoked once the
      // download has started.
      const bytes = new Blob([blob], { type: 'application/octet-stream' });
      const url = URL.createObjectURL(bytes);
      const link = el('a', { attrs: { href: url, download: file.file_name } });
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      showError(error, messageOf(err));
    }
  }

  async function deleteFile(file, control) {
    const confirmed = await confirmAction(
      `Delete the file “${file.file_name}”? Its chunks are kept, no longer linked to a file.`,
      'Delete file',
    );
    if (!confirmed) return;
    clearError(error);
    const token = session.token();
    try {
      await withBusy(control, status, () =>
        api.send('DELETE', `/api/file/${file.id}?delete_chunks=false`, {
          dataset: shown.datasetId,
        }),
      );
      if (!session.isCurrent(token)) return;
      await onChanged({ uploaded: false });
      setStatus(status, `Deleted “${file.file_name}”.`);
    } catch (err) {
      if (session.isCurrent(token)) showError(error, messageOf(err));
    }
  }

  async function upload(event) {
    event.preventDefault();
    uploadErrors.clear();
    setStatus(uploadStatus, '');
    const file = fileInput.files[0];
    if (!file) {
      uploadErrors.showField('file_name', 'Choose a file first.');
      return;
    }
    const token = session.token();
    const { datasetId } = shown;
    const control = $('file-upload');
    const progress = $('upload-progress');
    setBusy(control, true);
    setBusy(fileInput, true);
    progress.value = 0;
    progress.hidden = false;
    try {
      setStatus(uploadStatus, `Reading ${file.name}…`);
      const bytes = await file.arrayBuffer().catch(() => {
        throw new ApiError(0, `Could not read ${file.name}.`);
      });
      const content = base64url(bytes);
      setStatus(uploadStatus, `Uploading ${file.name}…`);
      const body = JSON.stringify({
        base64_file: content,
        file_name: file.name,
        file_mime_type: file.type || 'application/octet-stream',
      });
      const result = await api.upload('/api/file', body, {
        dataset: datasetId,
        onProgress: (fraction) => {
          progress.value = fraction;
        },
      });
      if (!session.isCurrent(token)) return;
      uploadForm.reset();
      const stored = result.file_metadata;
      setStatus(uploadStatus, `Uploaded ${stored.file_name} (${formatBytes(stored.size)}).`);
      onChanged({ uploaded: true });
    } catch (err) {
      if (!session.isCurrent(token)) return;
      setStatus(uploadStatus, '');
      if (err.status === 413) {
        uploadErrors.showGeneral(
          `${err.message}. The largest upload is set when the server starts ` +
            '(--max-upload-mb, 32 MiB by default).',
        );
      } else {
        uploadErrors.show(err);
      }
    } finally {
      setBusy(control, false);
      setBusy(fileInput, false);
      progress.hidden = true;
    }
  }

  return {
    /** Shows `userId`'s files in `datasetId`; `mine`: the caller's own, who may upload. */
    show(datasetId, userId, mine) {
      shown = { datasetId, userId, mine };
      uploadForm.hidden = !mine;
      $('upload-other').hidden = mine;
      return load();
    },

    clear() {
      loads.cancel();
      shown = null;
      setBusy(table, false);
      setStatus(status, '');
      setStatus(uploadStatus, '');
      clearError(error);
      uploadErrors.clear();
      uploadForm.reset();
      uploadForm.hidden = true;
      $('upload-other').hidden = true;
      $('files-body').replaceChildren();
      $('files-empty').hidden = true;
    },
  };
}

/** base64url without padding, encoded a slice at a time (no call-stack limit on big files). */
function base64url(buffer) {
  const bytes = new Uint8Array(buffer);
  const slice = 3 * 8192; // a multiple of 3: the slices' base64 joins without padding between
  const parts = [];
  for (let start = 0; start < bytes.length; start += slice) {
    parts.push(btoa(String.fromCharCode.apply(null, bytes.subarray(start, start + slice))));
  }
  return parts.join('').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
