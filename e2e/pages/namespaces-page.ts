import type { Page } from 'playwright-core';

/** Groups and Projects pages: create what an agent needs to live in. */
export class NamespacesPage {
  constructor(private readonly page: Page) {}

  async createGroup(name: string, path: string): Promise<void> {
    await this.page.goto('/groups');
    const form = this.page.locator('section', { has: this.page.getByRole('heading', { name: 'New group' }) });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Path').fill(path);
    await form.getByRole('button', { name: 'Create group' }).click();
    await this.page
      .getByRole('list', { name: 'Groups' })
      .getByRole('button', { name: `${name} ${path}` })
      .waitFor();
  }

  async createProject(groupPath: string, name: string, path: string): Promise<void> {
    await this.page.goto('/projects');
    const form = this.page.locator('section', {
      has: this.page.getByRole('heading', { name: 'New project' }),
    });
    await form.getByLabel('Group').selectOption({ label: groupPath });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Path').fill(path);
    await form.getByRole('button', { name: 'Create project' }).click();
    await this.page.getByRole('link', { name: `${groupPath}/${path}` }).waitFor();
  }

  async openProject(fullPath: string): Promise<void> {
    await this.page.goto('/projects');
    await this.page.getByRole('link', { name: fullPath }).click();
    await this.page.getByRole('heading', { name: 'Agents' }).waitFor();
  }

  /** Registers an agent on the open project page; the console then opens the agent's Tokens tab. */
  async registerAgent(name: string): Promise<number> {
    const form = this.page.getByRole('form', { name: 'Register an agent' });
    await form.getByLabel('Agent name').fill(name);
    await form.getByRole('button', { name: 'Register agent' }).click();
    await this.page.waitForURL(/\/agents\/\d+\?tab=tokens/);
    return Number(/\/agents\/(\d+)/.exec(this.page.url())![1]);
  }
}
