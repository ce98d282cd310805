import type { Page } from 'playwright-core';

export class AgentPage {
  constructor(
    private readonly page: Page,
    readonly agentId: number,
  ) {}

  async openTab(
    tab: 'overview' | 'activity' | 'tokens' | 'configuration' | 'access' | 'receptive' | 'connect',
  ): Promise<void> {
    await this.page.goto(`/agents/${this.agentId}?tab=${tab}`);
    await this.page.getByRole('tabpanel').waitFor();
  }

  /** Waits until the page has fetched the other tabs' data ahead (it does once the agent is shown). */
  async waitForOtherTabsData(): Promise<void> {
    await this.page.waitForFunction(
      `performance.getEntriesByType('resource').some((e) => e.name.includes('agentTokens.list'))`,
    );
  }

  // Tokens

  /** Opens the create dialog and submits; the dialog stays open (showing the token, or kas's refusal). */
  async submitNewToken(name: string, description = ''): Promise<void> {
    await this.page.getByRole('button', { name: 'Create token' }).first().click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Description').fill(description);
    await dialog.getByRole('button', { name: 'Create token' }).click();
  }

  async shownTokenValue(): Promise<string> {
    const code = this.page.getByTestId('new-token');
    await code.waitFor();
    return (await code.innerText()).trim();
  }

  async closeDialog(button: 'Done' | 'Cancel'): Promise<void> {
    await this.page.getByRole('dialog').getByRole('button', { name: button }).click();
    await this.page.getByRole('dialog').waitFor({ state: 'hidden' });
  }

  tokenRow(name: string) {
    return this.page.locator(`tr[data-token="${name}"]`);
  }

  dialogAlert() {
    return this.page.getByRole('dialog').getByRole('alert');
  }

  // Configuration

  editor() {
    return this.page.getByLabel('Agent configuration (YAML)');
  }

  async typeConfig(yaml: string): Promise<void> {
    await this.editor().fill(yaml);
  }

  /** Line numbers the gutter marks as having an error. */
  async errorLines(): Promise<number[]> {
    const marked = this.page.locator('[data-line][data-error="true"]');
    return (await marked.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))).sort(
      (a, b) => a - b,
    );
  }

  configErrors() {
    return this.page.getByTestId('config-errors');
  }

  async saveConfig(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save as new version' }).click();
  }

  // Receptive

  async fillReceptive(url: string): Promise<void> {
    await this.page.getByLabel('Agent URL').fill(url);
    await this.page.getByRole('button', { name: 'Save endpoint' }).click();
  }

  fieldError(label: string) {
    return this.page
      .getByRole('form', { name: 'Receptive endpoint' })
      .locator('div', { has: this.page.getByLabel(label, { exact: true }) })
      .last() // the innermost wrapper: the field's own
      .getByRole('alert');
  }
}
