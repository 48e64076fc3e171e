/** Tabs between the admin pages (tokens, users, services, audit log). */
import { ADMIN_TABS } from '../../navigation.ts';
import { Tabs } from '../Tabs.tsx';

export function AdminTabs() {
  return <Tabs label="Admin" tabs={ADMIN_TABS} />;
}
