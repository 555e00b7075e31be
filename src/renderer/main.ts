/**
 * Renderer entry: picks the FrugalApi (desktop bridge or WebSocket; `?fake` loads the in-memory
 * dev fake, a separate chunk nothing else imports) and mounts the app.
 */
import { mount } from 'svelte';
import type { FrugalApi } from '../shared/api';
import App from './App.svelte';
import './app.css';
import { getApi } from './lib/api';

async function chooseApi(): Promise<FrugalApi> {
  const fake = new URLSearchParams(window.location.search).get('fake');
  if (fake !== null) {
    const { createFakeApi } = await import('./dev/fake-api');
    return createFakeApi({ scenario: fake });
  }
  return getApi();
}

void chooseApi().then((api) => mount(App, { target: document.getElementById('app')!, props: { api } }));
