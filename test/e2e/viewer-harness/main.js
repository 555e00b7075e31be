// Entry of the viewer harness page (plain JS so the repo's tsc projects do not pick it up).
import { mount } from 'svelte';
import Harness from './Harness.svelte';

mount(Harness, { target: document.getElementById('app') });
