// Which organization and dataset the other panels work in: the two selects and the caller's role.

import {
  $, clearError, latestOnly, loadInto, option, setBusy, setStatus, showError,
} from '../dom.js';
import { membershipRole, roleName } from '../format.js';

export function setUpContext({ api, session }) {
  const orgSelect = $('org-select');
  const datasetSelect = $('dataset-select');
  const status = $('context-status');
  const error = $('context-error');
  const loads = latestOnly();

  session.subscribe((state, changed) => {
    if (changed.has('me')) renderOrganizations(state);
    if (changed.has('orgId')) loadDatasets();
    if (changed.has('role')) {
      $('org-role').textContent = state.role === null ? '–' : roleName(state.role);
    }
  });

  orgSelect.addEventListener('change', () => session.chooseOrganization(orgSelect.value));
  datasetSelect.addEventListener('change', () => session.chooseDataset(datasetSelect.value));

  function renderOrganizations({ me, orgId }) {
    const orgs = me ? me.orgs || [] : [];
    orgSelect.replaceChildren(
      ...orgs.map((org) => option(org.id, `${org.name} (${roleName(membershipRole(me, org.id))})`)),
    );
    orgSelect.disabled = orgs.length === 0;
    if (orgId !== null) orgSelect.value = orgId;
    clearError(error);
    if (me && orgs.length === 0) {
      showError(error, 'You are not a member of any organization yet. Ask an admin to add you.');
    }
  }

  /** The datasets of the chosen organization; the first becomes the chosen one if none is. */
  async function loadDatasets() {
    const { orgId } = session.current;
    if (orgId === null) {
      loads.cancel();
      datasetSelect.replaceChildren();
      setBusy(datasetSelect, false);
      datasetSelect.disabled = true;
      setStatus(status, '');
      return;
    }
    const isCurrent = loads.next();
    const shownIn = { node: datasetSelect, statusNode: status, errorNode: error, isCurrent };
    await loadInto(shownIn, async () => {
      const datasets = await api.send('GET', `/api/dataset/organization/${orgId}`, { org: orgId });
      if (isCurrent()) render(datasets);
    });
    if (isCurrent()) datasetSelect.disabled = datasetSelect.options.length === 0;
  }

  function render(datasets) {
    datasetSelect.replaceChildren(
      ...datasets.map(({ dataset, dataset_usage: usage }) => {
        const count = usage ? usage.chunk_count : 0;
        return option(dataset.id, `${dataset.name} (${count} ${count === 1 ? 'chunk' : 'chunks'})`);
      }),
    );
    const { datasetId } = session.current;
    const chosen = datasets.some((d) => d.dataset.id === datasetId) ? datasetId : null;
    if (chosen) datasetSelect.value = chosen;
    else session.chooseDataset(datasets.length ? datasets[0].dataset.id : null);
    if (!datasets.length) showError(error, 'This organization has no dataset yet.');
  }

  return {
    /** After an upload: the datasets' chunk counts changed. */
    reloadDatasets: loadDatasets,
  };
}
