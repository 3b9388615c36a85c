from locust import HttpUser, task, between


class MyUser(HttpUser):
    wait_time = between(1, 3)

    @task
    def get_orders(self):
        with self.client.get("/orders", catch_response=True) as response:
            if response.status_code != 200:
                response.failure("bad")
