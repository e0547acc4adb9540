// Next.js standalone server stand-in for admin-panel.
const port = process.env.PORT || 3000;
console.log("admin-panel listening on " + port);
