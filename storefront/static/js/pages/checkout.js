// Checkout: one order per click sequence. The button is disabled while the request runs, and a
// repeated submit after success (double click, back button) finds the order instead of a second
// charge: the server empties the cart in the order's transaction, so a replay gets "cart_empty".
import { api, newIdempotencyKey } from 'shoestreet/street/ApiClient.js';
import { el, clear, pageConfig, describeError, euros } from 'shoestreet/street/dom.js';
import { renderCart } from 'shoestreet/pages/cart.js';

const KEY = 'shoestreet.checkoutKey';

export default async function checkoutPage() {
  const { user } = pageConfig();
  const summary = document.getElementById('checkout-summary');
  const form = document.getElementById('checkout-form');
  const msg = document.getElementById('checkout-msg');
  const btn = document.getElementById('place-order');
  if (!user) { clear(summary).append(el('p', {}, el('a', { href: '/account' }, 'Sign in'), ' to check out.')); form.hidden = true; window.__ready = true; return; }
  const cart = await api.get('/api/cart');
  if (!renderCart(summary, cart)) { form.hidden = true; window.__ready = true; return; }
  // One key per checkout attempt, kept across reloads until the order is placed.
  if (!sessionStorage.getItem(KEY)) sessionStorage.setItem(KEY, newIdempotencyKey());
  let inFlight = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (inFlight) return;
    inFlight = true;
    btn.disabled = true;
    btn.textContent = 'Placing your order…';
    msg.textContent = '';
    const card = document.getElementById('co-card').value;
    try {
      const order = await api.post('/api/checkout', { payment: { provider: 'test', card } }, { idempotencyKey: sessionStorage.getItem(KEY) });
      sessionStorage.removeItem(KEY);
      form.hidden = true;
      clear(summary).append(el('div', { class: 'flash flash-ok', id: 'order-done', dataset: { order: order.id } },
        `Thank you! Order ${order.id} is paid (${euros(order.total_eur)}). `, el('a', { href: '/orders' }, 'See your orders')));
      document.getElementById('cart-count').textContent = '';
    } catch (err) {
      if (err.code === 'cart_empty') {
        // The first click already placed the order.
        const orders = (await api.get('/api/orders')).orders || [];
        form.hidden = true;
        clear(summary).append(el('div', { class: 'flash flash-ok', id: 'order-done', dataset: { order: orders[0] && orders[0].id } },
          `Your order ${orders[0] ? orders[0].id : ''} was already placed; nothing was charged twice. `, el('a', { href: '/orders' }, 'See your orders')));
      } else {
        msg.textContent = err.code === 'out_of_stock'
          ? `${describeError(err)}. Nothing was charged and your cart is unchanged: remove that line or pick another size.`
          : err.code === 'payment_declined' ? `Payment declined: ${err.message}. Nothing was charged; your cart is unchanged.` : describeError(err);
        btn.disabled = false;
        btn.textContent = 'Place order';
      }
    } finally {
      inFlight = false;
    }
  });
  window.__ready = true;
}
