// Next.js standalone server stand-in for customer-portal.
const port = process.env.PORT || 3000;
console.log("customer-portal listening on " + port);
