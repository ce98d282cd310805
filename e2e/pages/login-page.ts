import type { Page } from 'playwright-core';

export class LoginPage {
  constructor(private readonly page: Page) {}

  async logIn(username: string, password: string): Promise<void> {
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  errorText(): Promise<string> {
    // Next's route announcer is also role=alert; the sign-in error is the one titled so.
    return this.page.getByRole('alert').filter({ hasText: 'Sign-in failed' }).innerText();
  }
}
