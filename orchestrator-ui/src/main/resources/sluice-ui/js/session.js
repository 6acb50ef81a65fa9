// Who is signed in, and what their role allows. Buttons that the server would refuse are not shown.
const RANK = { viewer: 1, operator: 2, admin: 3 };
export const session = { user: null };

export function can(role) {
  return !!session.user && (RANK[session.user.role] || 0) >= RANK[role];
}
