# Accepted: FastHttpUser, constant(), bare @task, on_start with a capture, f-strings, name=.
from locust import task, constant
from locust.contrib.fasthttp import FastHttpUser


class OrderUser(FastHttpUser):
    """Creates an order, then reads and updates it."""
    host = "http://127.0.0.1:8000"
    wait_time = constant(0.5)

    def on_start(self):
        response = self.client.post("/orders", json={"product": "Laptop", "quantity": 1,
                                                     "customer_name": "Ada", "customer_address": "1 Loop St"})
        self.order_id = response.json()["order"]["_id"]

    @task
    def read(self):
        self.client.get(f"/orders/{self.order_id}", name="/orders/[id]")

    @task(3)
    def update(self) -> None:
        body = {'quantity': 2, "note": "caf\u00e9 \"quoted\"", "tags": ["a", ("b", None)], "ok": True, "ratio": 1.5}
        self.client.put(f"/orders/{self.order_id}", json=body, name="/orders/[id]",
                        headers={"X-Order": f"{self.order_id}"})

    @task(weight=2)
    def replace(self):
        self.client.delete(f"/orders/{self.order_id}", name="/orders/[id]")
        self.order_id = self.client.post("/orders", json={"product": "Phone", "quantity": 2, "customer_name": "Bob",
                                                          "customer_address": "2 Loop St"}).json()["order"]["_id"]
