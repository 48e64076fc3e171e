/** Mounts the dashboard with the urql client every page shares (loaded by main.tsx). */
import { render } from 'solid-js/web';
import { Provider } from '@urql/solid';
import { client } from './lib/urql.ts';
import { App } from './App.tsx';

performance.mark('lookout:app-start'); // for bench/dashboard --trace: the dashboard's code has loaded

render(
  () => (
    <Provider value={client}>
      <App />
    </Provider>
  ),
  document.getElementById('root')!,
);
