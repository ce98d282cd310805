import type { Page } from 'playwright-core';

export class ClustersPage {
  constructor(private readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/');
    await this.page.getByRole('heading', { name: 'Clusters' }).waitFor();
  }

  row(agentName: string) {
    return this.page.locator(`tr[data-agent="${agentName}"]`);
  }

  async statusOf(agentName: string): Promise<string | null> {
    return this.row(agentName).getAttribute('data-status');
  }

  async filter(text: string): Promise<void> {
    await this.page.getByLabel('Filter clusters').fill(text);
  }

  liveState() {
    return this.page.locator('[data-live-state]').first();
  }
}
