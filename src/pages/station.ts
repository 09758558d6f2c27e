/**
 * The scan station page (`/station/<flow>`): one workflow chosen at the top, its settings, one
 * input that keeps the focus (keyboard-wedge scanners type and press Enter), and for every scan a
 * visual OK or error — no sound — with a running tally. Works as a plain form; with JavaScript
 * (`/assets/station.js`) a scan is answered in place and the camera can scan where the browser
 * offers a barcode detector.
 */
import { STATION_FLOWS, type StationFlow, type StationState } from '../domain/sessions.ts';
import { field, postForm, type FieldSpec } from './forms.ts';
import { html, type SafeHtml } from './html.ts';
import type { PageContent } from './layout.ts';
import { stationScript } from './assets.ts';

export const FLOW_TITLES: Record<StationFlow, string> = {
  test: 'Test',
  ship: 'Pack & ship',
  install: 'Install',
  identify: 'Identify',
  receive: 'Receive',
};

const FLOW_HELP: Record<StationFlow, string> = {
  test: "Scan a unit: its test result is recorded with this station's test, result and measurements.",
  ship: 'Scan units into the open shipment; ship it when the box is full.',
  install: 'Scan a module, then the device it goes into.',
  identify: 'Scan a unit, then its identifier (MAC address, IMEI …).',
  receive: "Scan the supplier's code on a bag (DigiKey, Mouser, LCSC): a new lot, and its label printed.",
};

/** The settings each workflow asks for at the top. */
export function settingsFields(flow: StationFlow, printers: readonly string[]): FieldSpec[] {
  const printer: FieldSpec = {
    name: 'printer',
    label: 'Print labels on',
    type: 'select',
    options: [{ value: '', label: 'Do not print' }, ...printers.map((p) => ({ value: p, label: p }))],
  };
  switch (flow) {
    case 'test':
      return [
        { name: 'test', label: 'Test', required: true, placeholder: 'functional', maxlength: 100 },
        {
          name: 'passed',
          label: 'Result',
          type: 'select',
          options: [
            { value: 'true', label: 'Pass' },
            { value: 'false', label: 'Fail' },
          ],
        },
        { name: 'station', label: 'Station name', maxlength: 100 },
        {
          name: 'measurements',
          label: 'Measurements',
          type: 'textarea',
          maxlength: 2000,
          hint: 'name=value, comma-separated: recorded with every unit scanned',
        },
      ];
    case 'ship':
      return [
        { name: 'customer', label: 'Customer', required: true, maxlength: 200 },
        { name: 'order', label: 'Order', maxlength: 100 },
      ];
    case 'install':
      return [
        {
          name: 'mode',
          label: 'Record as',
          type: 'select',
          options: [
            { value: 'assembly', label: 'An assembly step' },
            { value: 'repair', label: 'A repair' },
          ],
        },
      ];
    case 'identify':
      return [
        {
          name: 'kind',
          label: 'Identifier',
          type: 'select',
          options: [
            { value: '', label: 'Tell from the value (MAC, IMEI)' },
            { value: 'mac', label: 'MAC address' },
            { value: 'imei', label: 'IMEI' },
            { value: 'iccid', label: 'ICCID' },
            { value: 'ble', label: 'Bluetooth address' },
            { value: 'asset', label: 'Asset tag' },
          ],
        },
      ];
    case 'receive':
      return [{ name: 'location', label: 'Put into location (ID code)', maxlength: 40 }, printer];
  }
}

export interface StationView {
  flow: StationFlow;
  state: StationState;
  csrf: string;
  printers: readonly string[];
  /** The open shipment of the pack & ship station. */
  shipment: { id: number; number: string; customer: string; order: string | null; count: number } | null;
  /** The shipment whose packing list the station offers: the open one, or the one it shipped last. */
  packingList?: { id: number; number: string } | null;
  /** A settings post that was refused. */
  settingsProblem: { field: string; message: string; values: Record<string, string> } | null;
}

function tally(state: StationState): SafeHtml {
  const last = state.recent[0];
  return html`<div id="scan-answer" aria-live="polite">
      ${
        last
          ? html`<p
              class="scan-result ${last.ok ? 'ok' : 'error'}"
              id="scan-result"
              role="${last.ok ? 'status' : 'alert'}"
            >
              ${last.ok ? '✔ OK' : '✖ Not done'} — ${last.text}
            </p>`
          : null
      }
      ${
        state.pending
          ? html`<p class="banner ok" id="pending">Waiting for the second scan: ${state.pending.label}</p>`
          : null
      }
    </div>
    <p class="tally" id="tally">
      <span>OK <strong id="tally-ok">${state.ok}</strong></span>
      <span>Not done <strong id="tally-failed">${state.failed}</strong></span>
    </p>
    ${
      state.recent.length
        ? html`<h2 id="recent-heading">Recent scans</h2>
            <ul class="recent" id="recent" aria-labelledby="recent-heading">
              ${state.recent.map(
                (e) =>
                  html`<li class="${e.ok ? 'ok' : 'error'}">
                    ${e.ok ? '✔' : '✖'} ${e.text} <span class="meta">${e.at.slice(11, 19)}</span>
                  </li>`,
              )}
            </ul>`
        : null
    }`;
}

export function stationPage(view: StationView): PageContent {
  const { flow, state, csrf } = view;
  const specs = settingsFields(flow, view.printers);
  const settingsState = view.settingsProblem
    ? {
        values: view.settingsProblem.values,
        field: view.settingsProblem.field,
        message: view.settingsProblem.message,
      }
    : { values: state.settings, field: '', message: '' };
  const shipment = view.shipment;
  return {
    title: `${FLOW_TITLES[flow]} station`,
    body: html`<p class="kicker">Scan station</p>
      <h1>${FLOW_TITLES[flow]}</h1>
      <nav class="flows" aria-label="Workflows">
        ${STATION_FLOWS.map(
          (f) =>
            html`<a href="/station/${f}" ${f === flow ? html` aria-current="page"` : null}
              >${FLOW_TITLES[f]}</a
            >`,
        )}
      </nav>
      <p>${FLOW_HELP[flow]}</p>
      ${postForm({
        id: 'scan-form',
        className: 'station',
        action: `/station/${flow}/scan`,
        csrf,
        submit: 'Enter',
        body: html`<label for="scan">Scan</label>
          <input
            id="scan"
            name="scan"
            autofocus
            autocomplete="off"
            autocapitalize="off"
            spellcheck="false"
            maxlength="2000"
            enterkeyhint="go"
            aria-describedby="scan-answer"
          />`,
      })}
      <div class="camera" id="camera" hidden></div>
      ${tally(state)}
      ${
        flow === 'ship' && shipment
          ? html`<section aria-labelledby="shipment-heading" id="shipment">
              <h2 id="shipment-heading">Shipment ${shipment.number}</h2>
              <p>
                ${shipment.customer}${shipment.order ? html` · order ${shipment.order}` : null} ·
                <strong>${shipment.count}</strong> unit${shipment.count === 1 ? '' : 's'}
              </p>
              ${postForm({ id: 'ship-form', action: '/station/ship/finish', csrf, submit: 'Ship this shipment', body: null })}
            </section>`
          : null
      }
      ${
        flow === 'ship' && view.packingList
          ? html`<p id="packing-list">
              Packing list of ${view.packingList.number}:
              <a href="/station/ship/packing-list/${view.packingList.id}.pdf">PDF</a> ·
              <a href="/station/ship/packing-list/${view.packingList.id}.csv">CSV</a>
            </p>`
          : null
      }
      <details
        id="settings"
        ${view.settingsProblem || (flow === 'ship' && !shipment) || (flow === 'test' && !state.settings.test) ? html` open` : null}
      >
        <summary>Station settings</summary>
        ${postForm({
          id: 'settings-form',
          className: 'settings',
          action: `/station/${flow}/settings`,
          csrf,
          submit: flow === 'ship' ? 'Open a new shipment' : 'Save settings',
          state: view.settingsProblem ? settingsState : null,
          fieldNames: specs.map((s) => s.name),
          body: specs.map((s) =>
            field('settings', s, settingsState.field ? settingsState : { ...settingsState, field: '(none)' }),
          ),
        })}
      </details>
      ${
        state.recent.length || state.pending
          ? postForm({
              id: 'reset-form',
              action: `/station/${flow}/reset`,
              csrf,
              submit: 'Start a new tally',
              body: null,
            })
          : null
      }
      <script src="${stationScript.url}" defer></script>`,
  };
}

/** `/station`: pick a workflow. */
export function stationChoicePage(): PageContent {
  return {
    title: 'Scan station',
    body: html`<h1>Scan station</h1>
      <ul class="flows-list">
        ${STATION_FLOWS.map(
          (f) =>
            html`<li>
              <a class="button" href="/station/${f}">${FLOW_TITLES[f]}</a>
              <span class="meta">${FLOW_HELP[f]}</span>
            </li>`,
        )}
      </ul>`,
  };
}
