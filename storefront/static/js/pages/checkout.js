// Checkout: one order per click sequence. The button is disabled while the request runs, and a
// repeated submit after success (double click, back button) finds the order instead of a second
// charge: the server empties the cart in the order's transaction, so a replay gets "cart_empty".
import { api, newIdempotencyKey } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError } from 'shoestreet/lib/dom.js';
import { renderCart } from 'shoestreet/pages/cart.js';
import { t, formatWon } from 'shoestreet/lib/i18n/index.js';
import { formatPhone, phoneAccepted } from 'shoestreet/lib/phone.js';

const KEY = 'shoestreet.checkoutKey';

export const POSTCODE_RE = /^\d{5}$/;

/** Why a delivery field is not acceptable, in words (empty when it is fine). */
function fieldProblem(input) {
  const v = input.value.trim();
  if (input.required && !v) return t('Please fill this in.');
  if (input.id === 'co-phone' && !phoneAccepted(v, input.dataset.phonePattern)) return t('Enter a Korean phone number, e.g. 010-1234-5678 or 051-123-4567.');
  if (input.id === 'co-postcode' && !POSTCODE_RE.test(v)) return t('A postcode has exactly 5 digits, e.g. 48058.');
  return '';
}

/** Korean-style delivery fields with their own messages; the phone is formatted as it is typed. */
export function wireDelivery(form) {
  const phone = document.getElementById('co-phone');
  phone.addEventListener('input', () => { phone.value = formatPhone(phone.value); });
  const postcode = document.getElementById('co-postcode');
  postcode.addEventListener('input', () => { postcode.value = postcode.value.replace(/\D/g, '').slice(0, 5); });
  for (const input of form.querySelectorAll('fieldset input')) {
    const check = () => input.setCustomValidity(fieldProblem(input));
    input.addEventListener('input', check);
    input.addEventListener('blur', check);
    check();
  }
}

/** The delivery details as entered (validated by the form). */
export function deliveryFromForm() {
  const v = (id) => document.getElementById(id).value.trim();
  return { name: v('co-name'), phone: v('co-phone'), postcode: v('co-postcode'), road_address: v('co-address1'), detail: v('co-address2') };
}

export default async function checkoutPage() {
  const { user } = pageConfig();
  const summary = document.getElementById('checkout-summary');
  const form = document.getElementById('checkout-form');
  const msg = document.getElementById('checkout-msg');
  const btn = document.getElementById('place-order');
  if (!user) { clear(summary).append(el('p', {}, el('a', { href: '/account?next=/checkout' }, t('Sign in')), ' ', t('to check out.'))); form.hidden = true; window.__ready = true; return; }
  const cart = await api.get('/api/cart');
  if (!(await renderCart(summary, cart))) { form.hidden = true; window.__ready = true; return; }
  form.hidden = false;
  wireDelivery(form);
  // One key per checkout attempt, kept across reloads until the order is placed.
  if (!sessionStorage.getItem(KEY)) sessionStorage.setItem(KEY, newIdempotencyKey());
  let inFlight = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (inFlight) return;
    if (!form.reportValidity()) return;
    inFlight = true;
    btn.disabled = true;
    btn.textContent = t('Placing your order…');
    msg.textContent = '';
    const card = document.getElementById('co-card').value;
    try {
      const order = await api.post('/api/checkout', { payment: { provider: 'test', card }, delivery: deliveryFromForm() }, { idempotencyKey: sessionStorage.getItem(KEY) });
      sessionStorage.removeItem(KEY);
      form.hidden = true;
      clear(summary).append(el('div', { class: 'flash flash-ok', id: 'order-done', dataset: { order: order.id } },
        t('Thank you! Order {id} is paid ({amount}).', { id: order.id, amount: formatWon(order.total_krw) }), ' ', el('a', { href: '/orders' }, t('See your orders'))));
      document.getElementById('cart-count').textContent = '';
    } catch (err) {
      if (err.code === 'cart_empty') {
        // The first click already placed the order.
        const orders = (await api.get('/api/orders')).orders || [];
        form.hidden = true;
        clear(summary).append(el('div', { class: 'flash flash-ok', id: 'order-done', dataset: { order: orders[0] && orders[0].id } },
          t('Your order {id} was already placed; nothing was charged twice.', { id: orders[0] ? orders[0].id : '' }), ' ', el('a', { href: '/orders' }, t('See your orders'))));
      } else {
        msg.textContent = err.code === 'out_of_stock'
          ? t('{reason}. Nothing was charged and your cart is unchanged: remove that line or pick another size.', { reason: describeError(err) })
          : err.code === 'payment_declined' ? t('Payment declined: {reason}. Nothing was charged; your cart is unchanged.', { reason: err.message }) : describeError(err);
        btn.disabled = false;
        btn.textContent = t('Place order');
      }
    } finally {
      inFlight = false;
    }
  });
  window.__ready = true;
}
