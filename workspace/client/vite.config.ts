// Only plugins here. Fluxy's supervisor passes root, server.port/host/hmr, cacheDir and
// server.fs.allow itself; setting them here would break its proxy and HMR.
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react(), tailwindcss()],
});
