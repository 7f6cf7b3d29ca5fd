// Wires the page: fills in text, keeps the compose panel honest, shows what the backend says.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { PROMPT_LIMIT, estimateCredits, generateBlocker, promptLength } from './compose.js';

const $ = (selector) => document.querySelector(selector);

const ui = {
  prompt: $('#prompt'),
  counter: $('#prompt-counter'),
  estimate: $('#estimate'),
  generate: $('#generate'),
  reason: $('#generate-reason'),
  version: $('[data-testid="app-version"]'),
  libraryDir: $('[data-testid="library-dir"]'),
  appInfo: $('[data-testid="app-info"]'),
};

// Submitting tasks arrives with the task engine; until then Generate explains why it waits.
const canGenerate = false;

function fillStaticText() {
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = strings[element.dataset.i18n];
  }
  ui.generate.textContent = strings.generate;
}

function selectedDuration() {
  return Number(document.querySelector('input[name="duration"]:checked').value);
}

function blockerText(blocker) {
  switch (blocker?.code) {
    case 'need_prompt': return strings.needPrompt;
    case 'prompt_too_long': return strings.promptTooLong(blocker.over);
    case 'not_available': return strings.notYetAvailable;
    default: return '';
  }
}

function renderCompose() {
  const used = promptLength(ui.prompt.value);
  ui.counter.textContent = strings.counter(used, PROMPT_LIMIT);
  ui.counter.classList.toggle('over', used > PROMPT_LIMIT);
  ui.estimate.textContent = strings.estimate(estimateCredits(selectedDuration()));
  const blocker = generateBlocker({ prompt: ui.prompt.value, canGenerate });
  ui.generate.disabled = blocker !== null;
  ui.reason.textContent = blockerText(blocker);
}

async function showAppInfo() {
  try {
    const info = await ipc.appInfo();
    ui.version.textContent = strings.version(info.version);
    ui.version.hidden = false;
    ui.libraryDir.textContent = strings.libraryWhere(info.library_dir);
    ui.appInfo.textContent = strings.appInfo(info);
  } catch (error) {
    ui.appInfo.textContent = strings.backendUnavailable;
    ui.appInfo.classList.add('error');
    console.error('app_info failed', error);
  }
}

fillStaticText();
renderCompose();
document.querySelector('.compose').addEventListener('input', renderCompose);
showAppInfo();
