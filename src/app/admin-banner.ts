/** The text that shows a generated administrator password, the only time it exists in clear. */
export function adminBanner(username: string, password: string): string {
  const line = '-'.repeat(72);
  return (
    `${line}\n` +
    'No administrator password was configured, so one was generated.\n' +
    'It is shown now, once; only its hash is stored.\n\n' +
    `    user name: ${username}\n` +
    `    password:  ${password}\n\n` +
    'Set TWITCHER_ADMIN_PASSWORD (or admin.password) to choose your own.\n' +
    `${line}\n`
  );
}
