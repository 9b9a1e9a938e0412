/**
 * Renderer entry: picks the Bridge (Electron preload or serve-mode HTTP), provides it to every
 * component, and mounts the app with Pinia.
 */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { BridgeKey, createBridge } from './bridge';
import './styles.css';

const app = createApp(App);
// Provided before Pinia is installed: setup stores inject the bridge through the app context.
app.provide(BridgeKey, createBridge());
app.use(createPinia());
app.mount('#app');
