/**
 * Renderer entry: picks the Bridge (Electron preload or serve-mode HTTP), provides it to every
 * component, and mounts the app with Pinia.
 */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { BridgeKey, createBridge } from './bridge';

const app = createApp(App);
app.use(createPinia());
app.provide(BridgeKey, createBridge());
app.mount('#app');
