// The home page: only the language switch.
import { initPage } from './core.js';

initPage();
