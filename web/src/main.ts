import { createApp } from 'vue';
import { createPinia } from 'pinia';
// Element Plus's styles come on demand with each component a page uses (unplugin-vue-components);
// the services called from scripts (ElMessage, ElMessageBox) are not in any template, so theirs are named here.
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import App from './App.vue';
import { router } from './router';

createApp(App).use(createPinia()).use(router).mount('#app');
